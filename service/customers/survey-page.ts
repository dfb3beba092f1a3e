// The page a customer sees when they open their survey link in a browser: the same URL as the
// JSON API (content negotiation), so the one link in the CRM's email works for people and tools.
// In the customer's language (see surveyLanguage), with a link to the other one.
import { formatDateTime } from '../../core/i18n/format.ts';
import { LANGUAGES, t, type Language } from '../../core/i18n/index.ts';

/** Per-response CSP nonces (the dashboard's security headers); absent, the tags carry none. */
export interface CspNonce {
  script: string;
  style: string;
}

/** What the form page says about the job it asks about. */
export interface SurveyPageJob {
  id: string;
  deviceId: string;
  resolvedAtMs: number | null;
  /** The site's zone: the visit's time as the customer's clock showed it. */
  timeZone: string | null;
}

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export const nonceAttr = (nonce: string | undefined) => (nonce ? ` nonce="${escapeHtml(nonce)}"` : '');

/** JSON inside a <script>: no "</script>" or "<!--" can close or confuse the element. */
export const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** Links to the page in the languages it is not in (the query keeps the token's URL as it is). */
export function languageLinks(lang: Language): string {
  const others = LANGUAGES.filter((l) => l !== lang);
  return `<nav class="lang" aria-label="${escapeHtml(t(lang, 'language.label'))}">${others.map((l) => `<a href="?lang=${l}" hreflang="${l}" lang="${l}">${escapeHtml(t(l, `language.${l}`))}</a>`).join(' ')}</nav>`;
}

function page(lang: Language, title: string, body: string, nonce?: CspNonce): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="/icon.svg" type="image/svg+xml">
<title>${escapeHtml(title)}</title>
<style${nonceAttr(nonce?.style)}>body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1b2430}h1{font-size:1.6rem;line-height:1.25}
fieldset{border:0;padding:0;margin:1rem 0}legend{font-weight:600;margin-bottom:.4rem}
.scale{display:flex;gap:.3rem;flex-wrap:wrap}.scale label{border:1px solid #b8c2cc;border-radius:.4rem;padding:.3rem .6rem;cursor:pointer}
.scale input{margin-right:.2rem}textarea{width:100%;min-height:5rem;box-sizing:border-box}button{font:inherit;padding:.5rem 1.2rem;border-radius:.4rem;border:0;background:#0b6e4f;color:#fff}
.muted{color:#5b6773}.lang{text-align:right;font-size:.9rem}.lang a{color:#0b6e4f}</style></head><body>${languageLinks(lang)}${body}</body></html>`;
}

function scale(name: string, from: number, to: number): string {
  let out = '<div class="scale">';
  for (let v = from; v <= to; v++)
    out += `<label><input type="radio" name="${name}" value="${v}" required>${v}</label>`;
  return `${out}</div>`;
}

export function surveyFormPage(lang: Language, job: SurveyPageJob, nonce?: CspNonce): string {
  const about =
    job.resolvedAtMs === null
      ? t(lang, 'survey.about', { id: job.id, device: job.deviceId })
      : t(lang, 'survey.aboutResolved', {
          id: job.id,
          device: job.deviceId,
          resolvedAt: formatDateTime(lang, job.resolvedAtMs, job.timeZone),
        });
  // What the form's script says after a submission, in the page's language (the API's own
  // messages are English, for tools).
  const replies = {
    ok: t(lang, 'survey.thanks'),
    gone: t(lang, 'survey.gone'),
    invalid: t(lang, 'survey.invalidAnswer'),
    failed: t(lang, 'survey.failed'),
  };
  return page(
    lang,
    t(lang, 'survey.title'),
    `<h1>${escapeHtml(t(lang, 'survey.title'))}</h1>
<p class="muted">${escapeHtml(about)} ${escapeHtml(t(lang, 'survey.once'))}</p>
<form id="f">
<fieldset><legend>${escapeHtml(t(lang, 'survey.question.csat'))}</legend>${scale('csat', 1, 5)}</fieldset>
<fieldset><legend>${escapeHtml(t(lang, 'survey.question.nps'))}</legend>${scale('nps', 0, 10)}</fieldset>
<fieldset><legend>${escapeHtml(t(lang, 'survey.question.comment'))}</legend><textarea name="comment" maxlength="4000"></textarea></fieldset>
<button>${escapeHtml(t(lang, 'survey.send'))}</button></form><p id="msg" role="status"></p>
<script${nonceAttr(nonce?.script)}>
const replies = ${scriptJson(replies)};
document.getElementById('f').addEventListener('submit', async (e) => {
  e.preventDefault();
  const d = new FormData(e.target);
  const body = { csat: Number(d.get('csat')), nps: Number(d.get('nps')) };
  if (d.get('comment')) body.comment = String(d.get('comment'));
  let status = 0;
  try {
    status = (await fetch(location.pathname, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status;
  } catch {}
  const ok = status >= 200 && status < 300;
  document.getElementById('msg').textContent = ok ? replies.ok : status === 410 ? replies.gone : status === 400 ? replies.invalid : replies.failed;
  if (ok || status === 410) e.target.remove();
});
</script>`,
    nonce,
  );
}

/** The page for a link that cannot be answered: used or expired (410), unknown (404). */
export function surveyMessagePage(lang: Language, statusCode: number, nonce?: CspNonce): string {
  const message = t(lang, statusCode === 410 ? 'survey.gone' : 'survey.invalidLink');
  return page(
    lang,
    t(lang, 'survey.messageTitle'),
    `<h1>${escapeHtml(t(lang, 'survey.messageTitle'))}</h1><p>${escapeHtml(message)}</p>`,
    nonce,
  );
}
