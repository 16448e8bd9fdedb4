/**
 * A local HTTP server on port 0 whose routes a test writes: fixtures, 500s, slow answers,
 * truncated bodies, 304s and redirects. It counts the requests each path received.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';

export type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

export interface TestHttp {
  url: (path: string) => string;
  hits: Map<string, number>;
  requests: IncomingMessage[];
  close(): Promise<void>;
}

export async function startHttp(routes: Record<string, Handler>): Promise<TestHttp> {
  const hits = new Map<string, number>();
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const hit = (hits.get(path) ?? 0) + 1;
    hits.set(path, hit);
    requests.push(req);
    const handler = routes[path];
    if (!handler) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    handler(req, res, hit);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    hits,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
