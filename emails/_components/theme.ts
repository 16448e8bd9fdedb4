/**
 * Colours and type for every Paperboy email. Inline styles only: mail clients drop <style>
 * blocks and external CSS unpredictably.
 */
export const theme = {
  font: "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif",
  text: '#111827',
  muted: '#4b5563',
  faint: '#6b7280',
  link: '#1d4ed8',
  accent: '#f59e0b',
  page: '#f3f4f6',
  card: '#ffffff',
  border: '#e5e7eb',
} as const;
