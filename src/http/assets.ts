/**
 * The one stylesheet of Paperboy's pages, served from `/assets/paperboy.css` so that the
 * Content-Security-Policy can forbid inline styles and scripts, and the one script of its forms. Light and dark follow the
 * reader's system; text colours keep WCAG AA contrast in both.
 */
import type { Hono } from 'hono';
import { TZ_SCRIPT } from './timezone.js';

const CSS = `
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--text:#111827;--muted:#4b5563;--faint:#5b6472;--line:#dfe3e8;
--accent:#b45309;--link:#1d4ed8;--btn:#1d4ed8;--btn-text:#fff;--err:#b91c1c;--ok:#166534;--focus:#2563eb}
@media (prefers-color-scheme:dark){:root{--bg:#0f1115;--card:#171a21;--text:#e5e7eb;--muted:#c2c8d0;--faint:#a3abb7;
--line:#2b303a;--accent:#f59e0b;--link:#93c5fd;--btn:#3b82f6;--btn-text:#0b1020;--err:#fca5a5;--ok:#86efac;--focus:#93c5fd}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
.wrap{max-width:42rem;margin:0 auto;padding:1.5rem 1rem 3rem}
a{color:var(--link)}
a:focus-visible,button:focus-visible,input:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.brand{margin:0 0 1rem;font-weight:700;font-size:.95rem}
.brand a{color:var(--accent);text-decoration:none}
h1{font-size:1.75rem;line-height:1.2;margin:.25rem 0 .5rem}
h2{font-size:1.2rem;line-height:1.3;margin:0 0 .75rem}
.byline,.hint,.meta{color:var(--faint);font-size:.9rem;margin:.25rem 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1.25rem;margin:1.25rem 0}
form p{margin:0 0 1rem}
label{display:block;font-weight:600;margin-bottom:.3rem}
input[type=email],input[type=text]{width:100%;font:inherit;padding:.65rem .75rem;border:1px solid var(--faint);border-radius:8px;background:var(--card);color:var(--text)}
input[aria-invalid=true]{border-color:var(--err);border-width:2px}
fieldset{border:0;padding:0;margin:0 0 1rem}
legend{font-weight:600;padding:0;margin-bottom:.3rem}
fieldset label{display:inline-flex;align-items:center;gap:.4rem;font-weight:400;margin-right:1.25rem;min-height:44px}
input[type=radio]{width:1.1rem;height:1.1rem;margin:0}
button{font:inherit;font-weight:600;background:var(--btn);color:var(--btn-text);border:0;border-radius:8px;padding:.7rem 1.2rem;min-height:44px;cursor:pointer}
button.secondary{background:transparent;color:var(--link);border:1px solid var(--line)}
.error{color:var(--err);font-weight:600;margin:.35rem 0 0}
.notice{border-left:4px solid var(--ok);padding:.5rem .75rem;background:var(--card)}
.notice.warn{border-left-color:var(--err)}
.hp{position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden}
ol.papers{padding-left:1.4rem;margin:0}
ol.papers li{margin:.5rem 0}
ol.papers .meta{display:block}
footer{color:var(--faint);font-size:.85rem;margin-top:2rem}
.links a{margin-right:1rem}
`;

/**
 * The time zone field's helper: fills an empty field with the browser's zone and offers every
 * zone the browser knows (a datalist filled here keeps the pages light). Without it the field
 * is a plain text input.
 */
const TZ_JS = `(function () {
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) {}
  var fields = document.querySelectorAll('input[data-tz]');
  for (var i = 0; i < fields.length; i++) {
    var field = fields[i];
    if (!field.value && zone && zone !== 'Etc/Unknown') field.value = zone;
    var list = field.list;
    if (list && !list.options.length && typeof Intl.supportedValuesOf === 'function') {
      var zones = Intl.supportedValuesOf('timeZone');
      var options = document.createDocumentFragment();
      for (var j = 0; j < zones.length; j++) {
        var option = document.createElement('option');
        option.value = zones[j];
        options.appendChild(option);
      }
      list.appendChild(options);
    }
  }
})();
`;

/** GET /assets/paperboy.css and /assets/tz.js */
export function assetRoutes(http: Hono): void {
  http.get(TZ_SCRIPT, (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(TZ_JS);
  });
  http.get('/assets/paperboy.css', (c) => {
    c.header('Content-Type', 'text/css; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(CSS);
  });
}
