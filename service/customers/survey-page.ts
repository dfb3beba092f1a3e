// The page a customer sees when they open their survey link in a browser: the same URL as the
// JSON API (content negotiation), so the one link in the CRM's email works for people and tools.

/** Per-response CSP nonces (the dashboard's security headers); absent, the tags carry none. */
export interface CspNonce {
  script: string;
  style: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const nonceAttr = (nonce: string | undefined) => (nonce ? ` nonce="${escapeHtml(nonce)}"` : '');

function page(title: string, body: string, nonce?: CspNonce): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style${nonceAttr(nonce?.style)}>body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1b2430}
fieldset{border:0;padding:0;margin:1rem 0}legend{font-weight:600;margin-bottom:.4rem}
.scale{display:flex;gap:.3rem;flex-wrap:wrap}.scale label{border:1px solid #b8c2cc;border-radius:.4rem;padding:.3rem .6rem;cursor:pointer}
.scale input{margin-right:.2rem}textarea{width:100%;min-height:5rem}button{font:inherit;padding:.5rem 1.2rem;border-radius:.4rem;border:0;background:#0b6e4f;color:#fff}
.muted{color:#5b6773}</style></head><body>${body}</body></html>`;
}

function scale(name: string, from: number, to: number): string {
  let out = '<div class="scale">';
  for (let v = from; v <= to; v++) out += `<label><input type="radio" name="${name}" value="${v}" required>${v}</label>`;
  return `${out}</div>`;
}

export function surveyFormPage(workOrder: { id: string; deviceId: string }, nonce?: CspNonce): string {
  return page(
    'How did our service visit go?',
    `<h1>How did our service visit go?</h1>
<p class="muted">Work order ${escapeHtml(workOrder.id)}, device ${escapeHtml(workOrder.deviceId)}. This link works once.</p>
<form id="f">
<fieldset><legend>How satisfied are you with this service visit? (1 = not at all, 5 = very)</legend>${scale('csat', 1, 5)}</fieldset>
<fieldset><legend>How likely are you to recommend us to a colleague? (0–10)</legend>${scale('nps', 0, 10)}</fieldset>
<fieldset><legend>Anything we should know? (optional)</legend><textarea name="comment" maxlength="4000"></textarea></fieldset>
<button>Send</button></form><p id="msg" role="status"></p>
<script${nonceAttr(nonce?.script)}>
document.getElementById('f').addEventListener('submit', async (e) => {
  e.preventDefault();
  const d = new FormData(e.target);
  const body = { csat: Number(d.get('csat')), nps: Number(d.get('nps')) };
  if (d.get('comment')) body.comment = String(d.get('comment'));
  const r = await fetch(location.pathname, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const j = await r.json().catch(() => ({}));
  document.getElementById('msg').textContent = r.ok ? 'Thank you — your answer is recorded.' : (j.message || 'Something went wrong.');
  if (r.ok) e.target.remove();
});
</script>`,
    nonce,
  );
}

export function surveyMessagePage(message: string, nonce?: CspNonce): string {
  return page('Service survey', `<h1>Service survey</h1><p>${escapeHtml(message)}</p>`, nonce);
}
