// The tracking page as a customer's phone gets it: one column, the current step first, then the
// timeline, who comes and when, the part and the warranty; a quote for paid work, line by line in
// rupiah, to approve or decline before anyone is sent; after the visit, the confirmation and rating. Server-rendered in the customer's language with every time on the site's clock; a small
// script re-reads the job every 20 s and reloads when it moved, and posts the answers (the strict
// CSP allows only that nonce'd script: no inline handlers).
import { formatDateTime, formatIdr } from '../../core/i18n/format.ts';
import { t, type Language, type MessageKey } from '../../core/i18n/index.ts';
import { formatWindow, noticeFinding, partSentence, warrantySentence } from './notice-text.ts';
import { escapeHtml, languageLinks, nonceAttr, scriptJson, type CspNonce } from './survey-page.ts';
import type { TrackingView } from './tracking.ts';
import type { Quote, QuoteLine } from '../billing/store.ts';

/** How often the open page asks whether the job moved, ms. */
const REFRESH_MS = 20_000;

const STYLE = `*{box-sizing:border-box}body{font:17px/1.5 system-ui,sans-serif;margin:0;color:#1b2430;background:#f4f6f8}
main{max-width:32rem;margin:0 auto;padding:.75rem 1rem 2rem}h1{font-size:1.4rem;line-height:1.25;margin:.5rem 0}
h2{font-size:1.05rem;margin:1.2rem 0 .4rem}.card>:first-child{margin-top:0}.card>:last-child{margin-bottom:0}.muted{color:#4f5b66;font-size:.92rem}.card{background:#fff;border-radius:.75rem;padding:1rem;margin:.75rem 0;box-shadow:0 1px 2px #0002}
.now{font-size:1.25rem;font-weight:700;color:#0b6e4f;margin:0}.lang{text-align:right;font-size:.95rem;padding:.5rem 1rem 0}.lang a{color:#0b6e4f}
ol.timeline{list-style:none;margin:0;padding:0}ol.timeline li{position:relative;padding:0 0 .9rem 1.9rem}
ol.timeline li::before{content:"";position:absolute;left:.3rem;top:.35rem;width:.8rem;height:.8rem;border-radius:50%;border:2px solid #8a96a3;background:#fff}
ol.timeline li.done::before{background:#0b6e4f;border-color:#0b6e4f}ol.timeline li.current::before{background:#fff;border:4px solid #0b6e4f}
ol.timeline li.cancelled::before{background:#b42318;border-color:#b42318}ol.timeline li.todo{color:#6b7682}
ol.timeline li .when{display:block;font-size:.9rem;color:#4f5b66}dl{margin:0}dt{font-weight:600;margin-top:.6rem}dt:first-child{margin-top:0}dd{margin:0}
fieldset{border:0;padding:0;margin:.8rem 0}legend{font-weight:600;margin-bottom:.4rem}legend.big{font-size:1.1rem}
.choice label{display:block;border:1px solid #b8c2cc;border-radius:.5rem;padding:.6rem .8rem;margin:.35rem 0;min-height:44px}
.stars{display:flex;gap:.25rem}.stars label{flex:1;text-align:center;border:1px solid #b8c2cc;border-radius:.5rem;min-height:44px;padding:.35rem 0;font-size:1.3rem}
.stars input,.scale input{position:absolute;opacity:0;width:1px;height:1px}.stars label:has(input:checked),.scale label:has(input:checked){background:#0b6e4f;color:#fff;border-color:#0b6e4f}
.stars label:has(input:focus-visible),.scale label:has(input:focus-visible){outline:3px solid #f5a623}
.scale{display:grid;grid-template-columns:repeat(11,1fr);gap:.15rem}.scale label{text-align:center;border:1px solid #b8c2cc;border-radius:.35rem;padding:.4rem 0;font-size:.9rem;min-height:44px}
textarea{width:100%;min-height:5rem;font:inherit}button{font:inherit;font-weight:600;width:100%;min-height:48px;border-radius:.5rem;border:0;background:#0b6e4f;color:#fff}
#msg,#quote-msg{font-weight:600}table.quote{width:100%;border-collapse:collapse}table.quote td{padding:.45rem 0;vertical-align:top;border-bottom:1px solid #e3e8ed}
table.quote td.amount{text-align:right;white-space:nowrap;padding-left:.75rem}table.quote tfoot td{font-weight:700;font-size:1.1rem;border-bottom:0}
.buttons{display:flex;gap:.6rem;margin-top:.8rem}.buttons button{flex:1}button.decline{background:#fff;color:#b42318;border:2px solid #b42318}
.decided{font-weight:600;margin:.6rem 0 0}.decided.approved{color:#0b6e4f}.decided.declined{color:#b42318}`;

function shell(lang: Language, title: string, body: string, nonce?: CspNonce): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex"><link rel="icon" href="/icon.svg" type="image/svg+xml">
<title>${escapeHtml(title)}</title><style${nonceAttr(nonce?.style)}>${STYLE}</style></head>
<body>${languageLinks(lang)}<main>${body}</main></body></html>`;
}

const upperFirst = (s: string) => s.charAt(0).toLocaleUpperCase() + s.slice(1);

function answerForm(lang: Language): string {
  let stars = '';
  for (let n = 1; n <= 5; n++)
    stars += `<label><input type="radio" name="csat" value="${n}" aria-label="${escapeHtml(t(lang, 'track.answer.star', { n }))}">${'★'.repeat(n)}</label>`;
  let scale = '';
  for (let n = 0; n <= 10; n++) scale += `<label><input type="radio" name="nps" value="${n}">${n}</label>`;
  return `<section class="card" id="answer-card">
<form id="answer">
<fieldset class="choice"><legend class="big">${escapeHtml(t(lang, 'track.answer.title'))}</legend>
<label><input type="radio" name="confirmation" value="done" required> ${escapeHtml(t(lang, 'track.answer.done'))}</label>
<label><input type="radio" name="confirmation" value="not_fixed"> ${escapeHtml(t(lang, 'track.answer.notFixed'))}</label></fieldset>
<fieldset><legend>${escapeHtml(t(lang, 'track.answer.stars'))}</legend><div class="stars">${stars}</div></fieldset>
<fieldset><legend>${escapeHtml(t(lang, 'track.answer.nps'))}</legend><div class="scale">${scale}</div></fieldset>
<fieldset><legend><label for="comment">${escapeHtml(t(lang, 'track.answer.comment'))}</label></legend><textarea id="comment" name="comment" maxlength="4000"></textarea></fieldset>
<p class="muted">${escapeHtml(t(lang, 'track.answer.once'))}</p>
<button type="submit">${escapeHtml(t(lang, 'track.answer.send'))}</button></form><p id="msg" role="status"></p></section>`;
}

function quoteLineDetail(lang: Language, l: QuoteLine): string {
  if (l.kind === 'labour')
    return t(lang, 'track.quote.labourTime', { minutes: l.minutes ?? 0, rate: formatIdr(l.unitPriceIdr) });
  return t(lang, 'track.quote.quantity', { n: l.quantity ?? 1, price: formatIdr(l.unitPriceIdr) });
}

/** Labour lines Purna wrote ("Labour: <mode>") in the page's language; the planner's own words as written. */
function lineTitle(lang: Language, l: QuoteLine): string {
  if (l.kind !== 'labour') return l.description;
  const own = l.description.startsWith('Labour: ') ? '' : l.description;
  return own ? `${t(lang, 'track.quote.labour')}: ${own}` : t(lang, 'track.quote.labour');
}

/**
 * The quote of paid work: its lines and total in rupiah (as Indonesians write it, in every
 * language), and while it waits for the customer, Approve / Decline with an optional reason; once
 * decided, the decision. A withdrawn quote is not shown.
 */
function quoteCard(lang: Language, v: TrackingView, q: Quote): string {
  if (q.status === 'withdrawn') return '';
  const rows = q.lines
    .map(
      (l) =>
        `<tr data-kind="${l.kind}"><td>${escapeHtml(lineTitle(lang, l))}<br><span class="muted">${escapeHtml(l.priced ? quoteLineDetail(lang, l) : t(lang, 'track.quote.unpriced'))}</span></td><td class="amount">${escapeHtml(l.priced ? formatIdr(l.amountIdr) : '—')}</td></tr>`,
    )
    .join('');
  const table = `<table class="quote" id="quote-lines"><tbody>${rows}</tbody><tfoot><tr><td>${escapeHtml(t(lang, 'track.quote.total'))}</td><td class="amount" id="quote-total">${escapeHtml(formatIdr(q.totalIdr))}</td></tr></tfoot></table>`;
  const pending = q.status === 'pending' && v.state === 'open';
  const unpriced = q.lines.some((l) => !l.priced);
  let foot = '';
  if (q.status === 'approved' || q.status === 'declined') {
    const when = formatDateTime(lang, q.decidedAtMs ?? q.updatedAtMs, v.facts.timeZone);
    foot = `<p class="decided ${q.status}" id="quote-decision" data-status="${q.status}">${escapeHtml(t(lang, `track.quote.${q.status}`, { when }))}</p>`;
  } else if (pending && unpriced) foot = `<p class="muted">${escapeHtml(t(lang, 'track.quote.pricing'))}</p>`;
  else if (pending)
    foot = `<form id="quote-form">
<fieldset><legend><label for="quote-note">${escapeHtml(t(lang, 'track.quote.reason'))}</label></legend><textarea id="quote-note" name="note" maxlength="2000"></textarea></fieldset>
<p class="muted">${escapeHtml(t(lang, 'track.quote.once'))}</p>
<div class="buttons"><button type="submit" name="decision" value="approve">${escapeHtml(t(lang, 'track.quote.approve'))}</button><button type="submit" name="decision" value="decline" class="decline">${escapeHtml(t(lang, 'track.quote.decline'))}</button></div></form>`;
  const intro = pending
    ? `<p id="quote-intro">${escapeHtml(t(lang, q.coverage === 'contract' ? 'track.quote.introContract' : 'track.quote.intro'))}</p>`
    : '';
  return `<section class="card" id="quote" data-status="${q.status}"><h2>${escapeHtml(t(lang, 'track.quote.title'))}</h2>${intro}${table}${foot}<p id="quote-msg" role="status"></p></section>`;
}

export function trackingPage(lang: Language, v: TrackingView, nonce?: CspNonce, quote?: Quote | null): string {
  const f = v.facts;
  const zone = f.timeZone;
  const currentIndex = v.timeline.findIndex((s) => s.step === v.step);
  const items = v.timeline
    .map((s, i) => {
      const cls =
        s.step === 'cancelled' ? 'cancelled' : i === currentIndex ? 'current' : s.atMs !== null ? 'done' : 'todo';
      const when = s.atMs === null ? t(lang, 'track.notYet') : formatDateTime(lang, s.atMs, zone);
      return `<li class="${cls}" data-step="${s.step}"${i === currentIndex ? ' aria-current="step"' : ''}>${escapeHtml(t(lang, `track.step.${s.step}` as MessageKey))}<span class="when">${escapeHtml(when)}</span></li>`;
    })
    .join('');
  const arrival = f.arrival ? formatWindow(lang, f.arrival.fromMs, f.arrival.toMs, zone) : null;
  const details: [string, string, string][] = [
    ['finding', t(lang, 'track.finding'), upperFirst(noticeFinding(lang, f))],
  ];
  if (f.technicianFirstName) details.push(['technician', t(lang, 'track.technician'), f.technicianFirstName]);
  if (arrival) details.push(['arrival', t(lang, 'track.arrival'), arrival]);
  if (f.part.name) details.push(['part', t(lang, 'track.part'), partSentence(lang, f)]);
  details.push(['warranty', t(lang, 'track.warranty'), warrantySentence(lang, f)]);
  const replies = {
    done: t(lang, 'track.answer.thanks'),
    not_fixed: t(lang, 'track.answer.thanksNotFixed'),
    gone: t(lang, 'track.gone.used'),
    needStars: t(lang, 'track.answer.needStars'),
    tooSoon: t(lang, 'track.answer.tooSoon'),
    failed: t(lang, 'track.answer.failed'),
    quoteSending: t(lang, 'track.quote.sending'),
    quoteAlready: t(lang, 'track.quote.already'),
  };
  return shell(
    lang,
    t(lang, 'track.title'),
    `<h1>${escapeHtml(t(lang, 'track.title'))}</h1>
${f.contactName ? `<p>${escapeHtml(t(lang, 'track.hello', { name: f.contactName }))}</p>` : ''}
<p class="muted" id="about">${escapeHtml(t(lang, 'track.about', { id: v.workOrderId, model: f.modelName, serial: f.serial, site: f.siteName }))}</p>
<section class="card" id="status"><p class="now" id="now">${escapeHtml(t(lang, `track.step.${v.step}` as MessageKey))}</p>${quote?.status === 'pending' && v.state === 'open' ? `<p id="now-quote">${escapeHtml(t(lang, 'track.quote.waiting'))}</p>` : ''}${arrival && v.step !== 'resolved' ? `<p id="now-arrival">${escapeHtml(t(lang, 'track.arrival'))}: <strong>${escapeHtml(arrival)}</strong></p>` : ''}</section>
${quote ? quoteCard(lang, v, quote) : ''}
${v.canAnswer ? answerForm(lang) : ''}
<section class="card"><h2>${escapeHtml(t(lang, 'track.timeline'))}</h2><ol class="timeline" id="timeline">${items}</ol></section>
<section class="card"><dl id="details">${details.map(([k, dt, dd]) => `<dt>${escapeHtml(dt)}</dt><dd data-key="${k}">${escapeHtml(dd)}</dd>`).join('')}</dl></section>
<p class="muted">${escapeHtml(t(lang, 'track.private'))}</p>
<script${nonceAttr(nonce?.script)}>
const replies = ${scriptJson(replies)};
const step = ${scriptJson(v.step)};
const form = document.getElementById('answer');
let answering = false;
if (form) form.addEventListener('change', () => { if (!answering) document.getElementById('msg').textContent = ''; });
if (form) form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const d = new FormData(form);
  const confirmation = String(d.get('confirmation'));
  const body = { confirmation };
  if (d.get('csat')) body.csat = Number(d.get('csat'));
  if (d.get('nps')) body.nps = Number(d.get('nps'));
  if (d.get('comment')) body.comment = String(d.get('comment'));
  const msg = document.getElementById('msg');
  if (confirmation === 'done' && !body.csat) { msg.textContent = replies.needStars; return; }
  answering = true;
  let status = 0;
  try {
    status = (await fetch(location.pathname, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) })).status;
  } catch {}
  const ok = status >= 200 && status < 300;
  msg.textContent = ok ? replies[confirmation] : status === 410 ? replies.gone : status === 409 ? replies.tooSoon : status === 400 ? replies.needStars : replies.failed;
  if (ok || status === 410) form.remove();
  else answering = false;
});
// The quote: approve or decline (with the optional reason) on the quote's own route, then the
// page again, which shows the decision; a quote answered meanwhile (409) is said so politely.
const quoteForm = document.getElementById('quote-form');
if (quoteForm) quoteForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const decision = e.submitter && e.submitter.value === 'decline' ? 'decline' : 'approve';
  const body = { decision };
  const note = String(new FormData(quoteForm).get('note') || '').trim();
  if (decision === 'decline' && note) body.note = note;
  const msg = document.getElementById('quote-msg');
  for (const b of quoteForm.querySelectorAll('button')) b.disabled = true;
  answering = true;
  msg.textContent = replies.quoteSending;
  let status = 0;
  try {
    status = (await fetch(location.pathname + '/quote', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) })).status;
  } catch {}
  if (status >= 200 && status < 300) return location.reload();
  if (status === 409 || status === 410) {
    // Answered meanwhile (another contact, the planner by phone): say so; the next look reloads with the decision.
    msg.textContent = replies.quoteAlready;
    for (const el of [quoteForm, document.getElementById('quote-intro'), document.getElementById('now-quote')]) if (el) el.remove();
    answering = false;
    return;
  }
  msg.textContent = replies.failed;
  for (const b of quoteForm.querySelectorAll('button')) b.disabled = false;
  answering = false;
});
// The job moves while the page is open: look again now and then, reload when it did.
setInterval(async () => {
  if (answering || document.hidden) return;
  try {
    const r = await fetch(location.pathname + location.search, { headers: { accept: 'application/json' } });
    if (r.status === 410) return location.reload();
    if (r.ok && (await r.json()).tracking.step !== step) location.reload();
  } catch {}
}, ${REFRESH_MS});
</script>`,
    nonce,
  );
}

/** The page for a link that opens nothing: used or expired (410, in the contact's language), unknown (404). */
export function trackingMessagePage(
  lang: Language,
  reason: 'used' | 'expired' | 'unknown' | 'tooMany',
  nonce?: CspNonce,
): string {
  const key: MessageKey =
    reason === 'used'
      ? 'track.gone.used'
      : reason === 'expired'
        ? 'track.gone.expired'
        : reason === 'tooMany'
          ? 'track.tooMany'
          : 'track.unknown';
  return shell(
    lang,
    t(lang, 'track.messageTitle'),
    `<h1>${escapeHtml(t(lang, 'track.messageTitle'))}</h1><section class="card"><p id="message">${escapeHtml(t(lang, key))}</p></section>`,
    nonce,
  );
}
