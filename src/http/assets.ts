/**
 * The one stylesheet of Paperboy's pages, served from `/assets/paperboy.css` so that the
 * Content-Security-Policy can forbid inline styles and scripts, and the one script of its forms. Light and dark follow the
 * reader's system; text colours keep WCAG AA contrast in both.
 */
import type { Hono } from 'hono';
import { TZ_SCRIPT } from './timezone.js';

/**
 * The operator's pages (`/admin`): wide pages (`<main class="wrap wide">`), the navigation bar,
 * more form controls, key figures, badges, data tables, server-drawn SVG charts and the email
 * preview. Readers' pages use none of these, so their look does not change. Colours are CSS
 * variables with light and dark values; text keeps WCAG AA contrast on card and page in both.
 */
const ADMIN_CSS = `
body.admin :is(h1,h2,p,li,dd){overflow-wrap:anywhere}
:root{--zebra:#f3f4f6;--grid:#c4cad3;--chart-bar:#2563eb;--chart-line:#b45309;--code-bg:#eef0f3;
--danger:#b91c1c;--danger-text:#fff;--current:#b45309}
@media (prefers-color-scheme:dark){:root{--zebra:#1d2129;--grid:#3f4654;--chart-bar:#60a5fa;--chart-line:#f59e0b;
--code-bg:#232833;--danger:#f87171;--danger-text:#0b1020;--current:#f59e0b}}
.wrap.wide{max-width:72rem}
.wrap.wide .card>:last-child{margin-bottom:0}

a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible,
[tabindex]:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
header.admin-bar{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem 1rem;
margin:0 0 1.25rem;padding:0 0 .5rem;border-bottom:1px solid var(--line)}
header.admin-bar form{margin:0 0 0 auto}
header.admin-bar button{min-height:40px;padding:.45rem 1rem}
nav.links{display:flex;flex-wrap:wrap;gap:.25rem}
nav.links a{margin:0;display:inline-flex;align-items:center;min-height:44px;padding:.4rem .7rem;border-radius:8px;
text-decoration:none;border-bottom:3px solid transparent}
nav.links a:hover{text-decoration:underline}
nav.links a[aria-current=page]{color:var(--text);font-weight:700;background:var(--card);border-bottom-color:var(--current);
border-bottom-left-radius:0;border-bottom-right-radius:0}
input:not([type]),input[type=search],input[type=password],input[type=number],input[type=url],input[type=tel],
input[type=date],input[type=time],input[type=datetime-local],select,textarea{width:100%;font:inherit;padding:.65rem .75rem;
border:1px solid var(--faint);border-radius:8px;background:var(--card);color:var(--text)}
input[type=number]{font-variant-numeric:tabular-nums}
select{min-height:2.9rem;cursor:pointer}
textarea{min-height:8rem;resize:vertical;line-height:1.45}
input[type=file]{width:100%;font:inherit;padding:.35rem .5rem;border:1px dashed var(--faint);border-radius:8px;background:var(--card);color:var(--text)}
input[type=file]::file-selector-button{font:inherit;font-weight:600;margin-right:.75rem;padding:.25rem .9rem;border-radius:6px;
border:1px solid var(--line);background:var(--bg);color:var(--link);cursor:pointer}
input[type=checkbox]{width:1.1rem;height:1.1rem;margin:0}
form:is([role=search],.fields)>p:not(.actions,.full,.meta,.hint,.error){display:inline-block;vertical-align:bottom;
width:calc(25% - 1rem);min-width:12rem;margin:0 .75rem .85rem 0}
form:is([role=search],.fields)>button{margin:0 .75rem .85rem 0}
form:is([role=search],.fields)>a{margin:0 .3rem}
form.fields:not(.card){margin:0 0 1rem}
button.danger{background:var(--danger);color:var(--danger-text)}
a.button{display:inline-flex;align-items:center;min-height:44px;padding:.7rem 1.2rem;border-radius:8px;font-weight:600;
background:var(--btn);color:var(--btn-text);text-decoration:none}
a.button.secondary{background:transparent;color:var(--link);border:1px solid var(--line)}
button:disabled{opacity:.6;cursor:not-allowed}
li form{display:inline;margin:0}
.actions{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem .75rem;margin:0 0 1rem}
.actions form{display:inline;margin:0}
.actions>:last-child{margin-bottom:0}
dl.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,9.5rem),1fr));gap:.75rem;margin:0 0 1.25rem}
dl.stats>div{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:.75rem 1rem;min-width:0}
.card dl.stats>div{background:var(--bg)}
dl.stats dt{color:var(--muted);font-size:.85rem;font-weight:600;line-height:1.3}
dl.stats dd{margin:.2rem 0 0;font-size:1.9rem;font-weight:700;line-height:1.15;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
dl.stats dd small,dl.stats dd .meta{display:block;font-size:.8rem;font-weight:400;color:var(--faint)}
.badge{display:inline-block;padding:.05rem .55rem;border-radius:999px;border:1px solid;font-size:.8rem;font-weight:600;
line-height:1.5;white-space:nowrap;vertical-align:.1em;color:#1f2937;background:#e5e7eb;border-color:#9ca3af}
.badge:is([data-state=ok],[data-state=active],[data-state=sent]){color:#14532d;background:#dcfce7;border-color:#4ade80}
.badge:is([data-state=failing],[data-state=suppressed],[data-state=failed],[data-state=bounced]){color:#7f1d1d;background:#fee2e2;border-color:#f87171}
.badge:is([data-state=paused],[data-state=pending]){color:#78350f;background:#fef3c7;border-color:#f59e0b}
.badge[data-state=sending]{color:#1e3a8a;background:#dbeafe;border-color:#60a5fa}
.badge:is([data-state=not-run],[data-state=unsubscribed]){color:#1f2937;background:#e5e7eb;border-color:#9ca3af}
@media (prefers-color-scheme:dark){
.badge{color:#e5e7eb;background:#262b35;border-color:#6b7280}
.badge:is([data-state=ok],[data-state=active],[data-state=sent]){color:#86efac;background:#0b2a17;border-color:#15803d}
.badge:is([data-state=failing],[data-state=suppressed],[data-state=failed],[data-state=bounced]){color:#fca5a5;background:#3b0d0d;border-color:#b91c1c}
.badge:is([data-state=paused],[data-state=pending]){color:#fcd34d;background:#33210a;border-color:#b45309}
.badge[data-state=sending]{color:#93c5fd;background:#0f1f44;border-color:#2563eb}
.badge:is([data-state=not-run],[data-state=unsubscribed]){color:#e5e7eb;background:#262b35;border-color:#6b7280}}
.table-scroll{overflow-x:auto;margin:0 0 1rem;border:1px solid var(--line);border-radius:8px;background:var(--card)}
table.data{width:100%;border-collapse:collapse;font-size:.95rem}
table.data caption{text-align:left;font-weight:600;padding:.6rem .75rem}
table.data th,table.data td{padding:.5rem .75rem;text-align:left;vertical-align:top;border-bottom:1px solid var(--line)}
table.data thead th{background:var(--bg);color:var(--muted);font-size:.85rem;font-weight:600;white-space:nowrap}
table.data tbody tr:nth-child(even){background:var(--zebra)}
table.data tbody tr:last-child>*{border-bottom:0}
table.data :is(th,td).num,.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.data :is(th,td){white-space:nowrap}
table.data td:is(.wrap,:has(code)){white-space:normal;min-width:16rem}
.chart{margin:0 0 1rem;min-width:0}
.chart svg{display:block;width:100%;height:auto;overflow:visible}
.chart figcaption,.chart .caption{color:var(--faint);font-size:.9rem;margin:.35rem 0 0}
.chart-bar{fill:var(--chart-bar)}
.chart-line{fill:none;stroke:var(--chart-line);stroke-width:2.5;stroke-linejoin:round;stroke-linecap:round;vector-effect:non-scaling-stroke}
.chart-axis{fill:none;stroke:var(--grid);stroke-width:1;vector-effect:non-scaling-stroke;shape-rendering:crispEdges}
.chart-label{fill:var(--muted);font-family:inherit}
progress{display:block;width:100%;height:1rem;margin:.5rem 0;-webkit-appearance:none;appearance:none;border:1px solid var(--faint);
border-radius:999px;background:var(--bg);overflow:hidden;color:var(--btn)}
progress::-webkit-progress-bar{background:var(--bg);border-radius:999px}
progress::-webkit-progress-value{background:var(--btn);border-radius:999px}
progress::-moz-progress-bar{background:var(--btn);border-radius:999px}
.progress{color:var(--muted);font-variant-numeric:tabular-nums;margin:.25rem 0 1rem}
iframe.preview{display:block;width:100%;max-width:100%;min-height:24rem;margin:0 0 1.25rem;border:1px solid var(--line);border-radius:8px;background:#fff;color-scheme:light}
ul.subscribers{list-style:none;margin:0;padding:0}
ul.subscribers li{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem .75rem;padding:.65rem 0;border-top:1px solid var(--line)}
ul.subscribers li:first-child{border-top:0}
ul.subscribers li>strong{min-width:0;overflow-wrap:anywhere}
ul.subscribers li>.meta{flex:1 1 18rem;margin:0}
ul.subscribers li button,ul.subscribers li a.button{min-height:36px;padding:.3rem .8rem;font-size:.9rem}
ul.subscribers li>a{display:inline-flex;align-items:center;min-height:36px}
:is(ol,ul).errors{margin:0 0 1rem;font-size:.95rem}
ul.errors{list-style:none;padding:0}
ol.errors{padding-left:4rem}
ol.errors li::marker{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:var(--muted)}
:is(ol,ul).errors li{padding:.3rem 0;border-top:1px solid var(--line);overflow-wrap:anywhere}
:is(ol,ul).errors li:first-child{border-top:0}
.errors :is(.line,.num,.ln){font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:var(--muted);
font-variant-numeric:tabular-nums;margin-right:.5rem;white-space:nowrap}
code,pre,kbd,samp{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.875em}
code{background:var(--code-bg);color:var(--text);padding:.1em .35em;border-radius:4px;overflow-wrap:anywhere;word-break:break-word}
pre{background:var(--code-bg);padding:.75rem;border-radius:8px;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere}
pre code{background:none;padding:0}
details{margin:0 0 1rem}
details>summary{cursor:pointer;font-weight:600;padding:.4rem 0;min-height:44px;display:list-item}
details[open]>summary{margin-bottom:.5rem}
.columns{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,22rem),1fr));gap:0 1.25rem;align-items:start}
@media (max-width:30rem){.wrap.wide{padding:1rem .75rem 2.5rem}.wrap.wide .card{padding:1rem;border-radius:10px}
nav.links{gap:0}nav.links a{padding:.4rem .45rem;font-size:.95rem}
form:is([role=search],.fields)>p:not(.actions){width:100%;margin-right:0}}
`;

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
${ADMIN_CSS}`;

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
