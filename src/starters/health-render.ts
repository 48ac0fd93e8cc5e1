import type { EndOfDayHealth, ExceptionGroup, HealthSnapshot, StoreHealth } from '../client/store-health';

/**
 * The store health snapshot as people read it: an HTML page for those without a terminal (the
 * ops page) and plain text for `npm run ops -- health`. Same words in both.
 */

const MINUTE = 60;

/** "4 min", "3 h 5 min", "2 d 4 h". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < MINUTE) return `${s} s`;
  const m = Math.floor(s / MINUTE);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${m % 60} min` : ''}`;
  return `${Math.floor(h / 24)} d${h % 24 ? ` ${h % 24} h` : ''}`;
}

/** A time in the store's zone: the time alone on the store's date, the date too otherwise. */
export function localTime(iso: string, timeZone: string, date?: string): string {
  const parts = new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
  const [day, time] = parts.split(' ') as [string, string];
  return day === date ? time : `${day} ${time}`;
}

export function ageText(group: Pick<ExceptionGroup, 'oldestSince'>, nowMs: number): string {
  return group.oldestSince ? `oldest ${duration((nowMs - Date.parse(group.oldestSince)) / 1000)}` : 'age unknown';
}

export function lastEventText(store: StoreHealth, nowMs: number): string {
  if (!store.events) return 'not counted here';
  if (!store.events.lastAt) return 'none yet';
  return `${localTime(store.events.lastAt, store.timeZone, store.date)} (${duration((nowMs - Date.parse(store.events.lastAt)) / 1000)} ago)`;
}

export function stockText(snapshot: HealthSnapshot, store: StoreHealth): string {
  const s = snapshot.stock;
  const account =
    s.state === 'in-sync'
      ? 'in sync'
      : s.state === 'catching-up'
        ? `${s.lagSeconds === undefined ? 'catching up' : `${duration(s.lagSeconds)} behind`} (${s.pendingTransactions ?? 0} transactions, ${s.pendingKeys ?? 0} levels waiting)`
        : s.state === 'not-started'
          ? 'no stock change yet'
          : `unknown: ${s.problem ?? 'no answer'}`;
  const held = store.stockHeld.length
    ? `; held here: ${store.stockHeld.map((h) => `${h.exceptionType} (${h.message})`).join('; ')}`
    : '';
  return account + held;
}

export function endOfDayText(eod: EndOfDayHealth): string {
  const gaps = eod.gapCount === undefined ? '' : `, ${eod.gapCount} gap${eod.gapCount === 1 ? '' : 's'}`;
  switch (eod.state) {
    case 'not-run':
      return `${eod.date}: not run yet`;
    case 'parked':
      return `${eod.date}: parked as ${eod.exceptionType}${gaps}${eod.problem ? ` (${eod.problem})` : ''}`;
    default:
      return `${eod.date}: ${eod.state}${gaps}`;
  }
}

const esc = (s: string | number) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const link = (href: string | undefined, text: string) =>
  href ? `<a href="${esc(href)}" target="_blank" rel="noopener noreferrer">${esc(text)}</a>` : esc(text);

/** Workflow ids shown under each group on the page; the group's link lists them all. */
const IDS_SHOWN = 3;

function exceptionsHtml(groups: ExceptionGroup[], nowMs: number): string {
  if (!groups.length) return '<span class="none">none</span>';
  return `<ul>${groups
    .map(
      (g) =>
        `<li class="exception" data-type="${esc(g.type)}" data-owner="${esc(g.owner)}" data-count="${g.count}">` +
        `${link(g.link, `${g.count} × ${g.type}`)} · <span class="owner">${esc(g.owner)}</span> · ` +
        `<span class="age">${esc(ageText(g, nowMs))}</span><br><span class="action">${esc(g.action)}</span>` +
        `<br><small class="ids">${g.workflows
          .slice(0, IDS_SHOWN)
          .map((w) => link(w.link, w.workflowId))
          .join(', ')}${g.count > IDS_SHOWN ? ', …' : ''}</small></li>`,
    )
    .join('')}</ul>`;
}

function storeRow(snapshot: HealthSnapshot, store: StoreHealth, nowMs: number): string {
  const eod = store.endOfDay;
  const gaps = eod.gaps?.length ? `<ul>${eod.gaps.map((g) => `<li>${esc(g.what)}</li>`).join('')}</ul>` : '';
  return (
    `<tr class="store" data-store="${esc(store.storeId)}" data-parked="${store.parked}">` +
    `<td class="name"><strong>${esc(store.storeId)}</strong> ${esc(store.name)}<br><small>${esc(store.date)} · ${esc(store.timeZone)}</small></td>` +
    `<td class="sales num">${link(store.sales.link, String(store.sales.count))}</td>` +
    `<td class="events num">${store.events ? store.events.count : '–'}</td>` +
    `<td class="last-event">${esc(lastEventText(store, nowMs))}</td>` +
    `<td class="exceptions">${exceptionsHtml(store.exceptions, nowMs)}</td>` +
    `<td class="stock">${link(snapshot.stock.link, stockText(snapshot, store))}</td>` +
    `<td class="eod eod-${esc(eod.state)}">${link(eod.link, endOfDayText(eod))}${gaps}</td>` +
    `</tr>`
  );
}

export function renderHealthPage(
  snapshot: HealthSnapshot,
  view: { stores: string[]; store?: string; date?: string },
  nowMs: number = Date.now(),
): string {
  const zone = snapshot.stores[0]?.timeZone ?? 'UTC';
  const elsewhere = snapshot.elsewhere.length
    ? `<h2>Parked outside the mapped stores</h2><table id="elsewhere"><thead><tr><th>Store id</th><th>Parked exceptions</th></tr></thead><tbody>${snapshot.elsewhere
        .map(
          (g) =>
            `<tr data-store="${esc(g.storeId ?? '')}"><td>${esc(g.storeId ?? '(no store)')}</td><td class="exceptions">${exceptionsHtml([g], nowMs)}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  const events = snapshot.events
    ? `Events are counted by the receiver ${esc(snapshot.events.receiver)} since ${esc(localTime(snapshot.events.since, zone))}.`
    : 'No receiver counts events here.';
  const options = view.stores
    .map((id) => `<option value="${esc(id)}"${id === view.store ? ' selected' : ''}>${esc(id)}</option>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Store health</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="30">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1f24}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin-top:2rem}
header p{margin:.2rem 0;color:#4b5563}
form{margin:.8rem 0}form label{margin-right:1rem}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #d9dee4;padding:.45rem .6rem;text-align:left;vertical-align:top}
th{background:#f3f5f7;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
ul{margin:0;padding-left:1.1rem}
tr[data-parked]:not([data-parked="0"]) td.name{border-left:4px solid #d97706}
.owner{font-weight:600}.age{color:#92400e}.action{color:#374151;font-size:.92em}.none{color:#6b7280}
.eod-parked{color:#b91c1c}.eod-reconciled{color:#166534}
a{color:#1d4ed8}
</style></head>
<body>
<header>
<h1>Store health</h1>
<p>Sitoo account ${snapshot.accountId} · Temporal namespace ${esc(snapshot.namespace)} · read ${esc(localTime(snapshot.generatedAt, zone))} (${esc(zone)}), ${esc(duration((nowMs - Date.parse(snapshot.generatedAt)) / 1000))} ago, in ${snapshot.tookMs} ms · ${snapshot.date ? `date ${esc(snapshot.date)}` : "each store's today"}</p>
<p>${events}${snapshot.temporalUi ? '' : ' Set TEMPORAL_UI_URL for links into the Temporal UI.'}</p>
<form method="get" action="/"><label>Store <select name="store"><option value="">all</option>${options}</select></label>
<label>Date <input type="date" name="date" value="${esc(view.date ?? '')}"></label><button type="submit">Show</button></form>
</header>
<table id="stores"><thead><tr><th>Store</th><th>Sales today</th><th>Events today</th><th>Last event</th><th>Parked exceptions (type · owner · age · what to do)</th><th>Web stock sync</th><th>End of day</th></tr></thead>
<tbody>${snapshot.stores.map((s) => storeRow(snapshot, s, nowMs)).join('')}</tbody></table>
${elsewhere}
</body></html>
`;
}

function exceptionsText(groups: ExceptionGroup[], nowMs: number, indent: string): string[] {
  return groups.flatMap((g) => [
    `${indent}${String(g.count).padStart(3)} × ${g.type.padEnd(28)} ${g.owner.padEnd(15)} ${ageText(g, nowMs).padEnd(16)} ${g.action}`,
    `${indent}      ${g.workflows.map((w) => w.workflowId).join(', ')}${g.count > g.workflows.length ? ', …' : ''}`,
    ...(g.link ? [`${indent}      ${g.link}`] : []),
  ]);
}

/** The same for a terminal: one block per store. */
export function renderHealthText(snapshot: HealthSnapshot, nowMs: number = Date.now()): string {
  const zone = snapshot.stores[0]?.timeZone ?? 'UTC';
  const out = [
    `Store health: Sitoo account ${snapshot.accountId}, namespace ${snapshot.namespace}, read ${localTime(snapshot.generatedAt, zone)} (${zone}), ${duration((nowMs - Date.parse(snapshot.generatedAt)) / 1000)} ago, in ${snapshot.tookMs} ms, ${snapshot.date ? `date ${snapshot.date}` : "each store's today"}`,
    snapshot.events
      ? `Events counted by the receiver ${snapshot.events.receiver} since ${localTime(snapshot.events.since, zone)}`
      : 'Events: not counted here',
  ];
  for (const store of snapshot.stores) {
    out.push(
      '',
      `${store.storeId} ${store.name} (${store.date}, ${store.timeZone})`,
      `  sales ${store.sales.count}, events ${store.events?.count ?? '-'}, last event ${lastEventText(store, nowMs)}`,
      ...(store.sales.link ? [`      ${store.sales.link}`] : []),
      `  parked ${store.parked}${store.parked ? ':' : ''}`,
      ...exceptionsText(store.exceptions, nowMs, '  '),
      `  web stock sync: ${stockText(snapshot, store)}`,
      `  end of day ${endOfDayText(store.endOfDay)}`,
      ...(store.endOfDay.gaps ?? []).map((g) => `      ${g.kind.padEnd(24)} ${g.what}`),
      ...(store.endOfDay.link ? [`      ${store.endOfDay.link}`] : []),
    );
  }
  if (snapshot.elsewhere.length) {
    out.push('', 'Parked outside the mapped stores:');
    for (const g of snapshot.elsewhere) out.push(`  ${g.storeId ?? '(no store)'}`, ...exceptionsText([g], nowMs, '  '));
  }
  return out.join('\n');
}
