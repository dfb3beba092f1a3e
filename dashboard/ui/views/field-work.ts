// On site, under the checklist: the parts fitted (they leave the van's or depot's stock), a photo
// and the customer's signature kept with the work order. Built once per job and kept across the
// job list's re-renders (a half-drawn signature survives a colleague's job changing); `update`
// refreshes what the server said. Needs the network: offline it says so and keeps nothing.
import { api, upload } from '../api.ts';
import { el } from '../format.ts';
import { labelOf, num, t } from '../i18n.ts';
import { depotName } from '../depot-names.ts';
import { live, type WorkOrderView } from '../state.ts';

interface Attachment {
  id: number;
  kind: 'photo' | 'signature';
  signedBy: string | null;
  size: number;
}

/** A photo is kept at most this wide or high: a phone's 12 MP original would be 4–8 MB. */
const PHOTO_MAX_PX = 1600;
const PHOTO_QUALITY = 0.8;

/** The photo as the job keeps it: scaled down and re-encoded as JPEG in the browser before it is sent. */
async function scaledPhoto(file: File): Promise<Blob> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, PHOTO_MAX_PX / Math.max(bitmap.width, bitmap.height));
  const canvas = el('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (b) => (b ? resolve(b) : reject(new Error('could not encode the photo'))),
      'image/jpeg',
      PHOTO_QUALITY,
    ),
  );
}

/** The job's photos and signature as thumbnails, each linking to the full image (the planner's work-order page). */
export function proofSection(workOrderId: string): HTMLElement {
  const list = el('ul', { class: 'attachments plain-list', id: 'work-order-proof' });
  const section = el(
    'section',
    { 'aria-labelledby': 'proof-title' },
    el('h3', { id: 'proof-title', text: t('workOrder.proof') }),
    list,
  );
  api<{ attachments: Attachment[] }>(`work-orders/${encodeURIComponent(workOrderId)}/attachments`)
    .then(({ attachments }) => {
      if (!attachments.length) return list.append(el('li', { class: 'empty', text: t('workOrder.noProof') }));
      for (const a of attachments) {
        const src = `/api/work-orders/${encodeURIComponent(workOrderId)}/attachments/${a.id}`;
        const caption =
          a.kind === 'signature'
            ? t('tech.signature.of', { name: a.signedBy ?? '' })
            : t('tech.photo.kept', { kb: num(a.size / 1024, 0) });
        const li = el(
          'li',
          {},
          el('a', { href: src, target: '_blank', rel: 'noopener' }, el('img', { src, alt: caption, loading: 'lazy' })),
          el('span', { text: caption }),
        );
        li.dataset.kind = a.kind;
        list.append(li);
      }
    })
    .catch((err: Error) => list.append(el('li', { class: 'error', text: err.message })));
  return section;
}

export function fieldWorkSection(
  first: WorkOrderView,
  say: (text: string) => void,
): { element: HTMLElement; update: (o: WorkOrderView) => void } {
  let o = first;
  const id = o.id;
  const fail = (err: unknown) => say(t('board.actionFailed', { id, reason: (err as Error).message }));

  // ── parts used ──
  const partsList = el('ul', { class: 'parts-used plain-list' });
  const sku = el('input', { id: `part-sku-${id}`, type: 'text', autocomplete: 'off', spellcheck: 'false' });
  const qty = el('input', { id: `part-qty-${id}`, type: 'number', min: '1', max: '100', step: '1', value: '1' });
  const depot = el('input', { id: `part-depot-${id}`, type: 'text', autocomplete: 'off', spellcheck: 'false' });
  const useOther = el('button', { type: 'button', class: 'secondary', text: t('tech.parts.record') });
  const use = async (body: { sku: string; quantity: number; depotId?: string }) => {
    try {
      // Each record is a new version of the job: the card takes it, so the next step is not refused as stale.
      const r = await api<{ workOrder: WorkOrderView }>(`work-orders/${id}/parts-used`, { method: 'POST', body });
      live.delta([], [r.workOrder]);
      say(t('tech.parts.recorded', { quantity: body.quantity, sku: body.sku }));
    } catch (err) {
      fail(err);
    }
  };
  useOther.addEventListener('click', () => {
    const quantity = Number(qty.value);
    if (!sku.value.trim() || !Number.isInteger(quantity) || quantity < 1) return say(t('tech.parts.invalid'));
    void use({ sku: sku.value.trim(), quantity, depotId: depot.value.trim() || undefined });
  });
  /** What the list shows (the parts, their depots' names), so that a new version of the job that did not change it (a checklist tick) leaves it alone. */
  let partsShown = '';
  const showParts = () => {
    const now = JSON.stringify((o.parts ?? []).map((p) => [p, p.depotId ? depotName(p.depotId) : '']));
    if (now === partsShown) return;
    partsShown = now;
    partsList.replaceChildren(
      ...(o.parts ?? []).map((p) => {
        const li = el('li', {
          text: t('tech.parts.line', {
            quantity: p.quantity,
            name: p.name,
            sku: p.sku,
            depot: p.depotId ? depotName(p.depotId) : '—',
            status: labelOf('partStatus', p.status),
          }),
        });
        li.dataset.sku = p.sku;
        li.dataset.status = p.status;
        if (p.status === 'reserved') {
          const b = el('button', { type: 'button', class: 'secondary small', text: t('tech.parts.useReserved') });
          b.addEventListener('click', () => void use({ sku: p.sku, quantity: p.quantity }));
          li.append(' ', b);
        }
        return li;
      }),
    );
    if (!o.parts?.length) partsList.append(el('li', { class: 'hint', text: t('tech.parts.none') }));
  };
  const parts = el(
    'fieldset',
    { class: 'parts' },
    el('legend', { text: t('tech.parts.title') }),
    partsList,
    el('label', { for: sku.id, text: t('tech.parts.sku') }),
    sku,
    el(
      'div',
      { class: 'row' },
      el('span', {}, el('label', { for: qty.id, text: t('tech.parts.quantity') }), qty),
      el('span', {}, el('label', { for: depot.id, text: t('tech.parts.depot') }), depot),
    ),
    useOther,
  );

  // ── photo and signature ──
  const kept = el('ul', { class: 'attachments plain-list' });
  const showKept = async () => {
    try {
      const { attachments } = await api<{ attachments: Attachment[] }>(`work-orders/${id}/attachments`);
      kept.replaceChildren(
        ...attachments.map((a) => {
          const li = el(
            'li',
            {},
            el('img', {
              src: `/api/work-orders/${encodeURIComponent(id)}/attachments/${a.id}`,
              alt:
                a.kind === 'signature'
                  ? t('tech.signature.of', { name: a.signedBy ?? '' })
                  : t('tech.photo.alt', { id }),
              loading: 'lazy',
            }),
            el('span', {
              text:
                a.kind === 'signature'
                  ? t('tech.signature.of', { name: a.signedBy ?? '' })
                  : t('tech.photo.kept', { kb: num(a.size / 1024, 0) }),
            }),
          );
          li.dataset.kind = a.kind;
          return li;
        }),
      );
    } catch {
      // offline: shown once the job is opened again with a connection
    }
  };
  // The browser's own file control says "Choose File / No file chosen" in the phone's UI
  // language, whatever the app's: it is hidden (still focusable), and its label is the button.
  const photo = el('input', {
    id: `photo-${id}`,
    type: 'file',
    accept: 'image/*',
    capture: 'environment',
    class: 'file-input',
  });
  photo.addEventListener('change', async () => {
    const file = photo.files?.[0];
    if (!file) return;
    try {
      const blob = await scaledPhoto(file);
      const r = await upload<{ workOrder: WorkOrderView }>(
        `work-orders/${id}/attachments?kind=photo`,
        blob,
        'image/jpeg',
      );
      live.delta([], [r.workOrder]);
      say(t('tech.photo.saved', { kb: num(blob.size / 1024, 0) }));
      photo.value = '';
      void showKept();
    } catch (err) {
      fail(err);
    }
  });

  const pad = el('canvas', { class: 'signature-pad', id: `signature-${id}`, width: '600', height: '240' });
  pad.setAttribute('aria-label', t('tech.signature.pad'));
  const ctx = pad.getContext('2d')!;
  let drawn = false;
  let last: { x: number; y: number } | null = null;
  const at = (e: PointerEvent) => {
    const r = pad.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * pad.width) / r.width, y: ((e.clientY - r.top) * pad.height) / r.height };
  };
  pad.addEventListener('pointerdown', (e) => {
    pad.setPointerCapture(e.pointerId);
    last = at(e);
    // Mid-stroke: the job list does not re-render now (moving the pad in the page drops the stroke).
    pad.dataset.drawing = '';
  });
  pad.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = at(e);
    ctx.strokeStyle = '#0b1520';
    ctx.lineWidth = 4;
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
    drawn = true;
  });
  const lift = () => {
    last = null;
    delete pad.dataset.drawing;
  };
  pad.addEventListener('pointerup', lift);
  pad.addEventListener('pointercancel', lift);
  const clear = () => {
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, pad.width, pad.height);
    drawn = false;
  };
  clear();
  const signer = el('input', { id: `signer-${id}`, type: 'text', autocomplete: 'name' });
  const clearButton = el('button', { type: 'button', class: 'secondary', text: t('tech.signature.clear') });
  clearButton.addEventListener('click', clear);
  const saveSignature = el('button', { type: 'button', text: t('tech.signature.save') });
  saveSignature.addEventListener('click', () => {
    if (!drawn) return say(t('tech.signature.empty'));
    if (!signer.value.trim()) {
      signer.focus();
      return say(t('tech.signature.nameRequired'));
    }
    pad.toBlob(async (blob) => {
      if (!blob) return;
      try {
        const r = await upload<{ workOrder: WorkOrderView }>(
          `work-orders/${id}/attachments?kind=signature&signedBy=${encodeURIComponent(signer.value.trim())}`,
          blob,
          'image/png',
        );
        live.delta([], [r.workOrder]);
        say(t('tech.signature.saved', { name: signer.value.trim() }));
        clear();
        void showKept();
      } catch (err) {
        fail(err);
      }
    }, 'image/png');
  });

  const element = el(
    'div',
    { class: 'field-work' },
    parts,
    el(
      'fieldset',
      { class: 'proof' },
      el('legend', { text: t('tech.proof.title') }),
      photo,
      el('label', { for: photo.id, class: 'button-link photo-pick', text: t('tech.photo.take') }),
      el('p', { class: 'label', id: `signature-title-${id}`, text: t('tech.signature.title') }),
      pad,
      el('label', { for: signer.id, text: t('tech.signature.name') }),
      signer,
      el('div', { class: 'actions' }, clearButton, saveSignature),
      kept,
    ),
  );
  showParts();
  void showKept();
  return {
    element,
    update: (next) => {
      o = next;
      // Not redrawn when the parts did not change: a button redrawn under the technician's finger
      // loses the tap (a checklist tick's new version arriving as 'fitted' was pressed: the part
      // was never recorded).
      showParts();
    },
  };
}
