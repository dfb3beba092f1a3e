// Planner: open a job of any type from the board (issue 19): a customer's report names a failure
// mode; installation, planned maintenance and inspection do not. The API names a bad field.
import { FAILURE_JOB_TYPES, JOB_TYPES, type JobType } from '../../../core/job-types.ts';
import { api } from '../api.ts';
import { el } from '../format.ts';
import { labelOf, t } from '../i18n.ts';
import { live } from '../state.ts';

/** A planner opens by hand every type but a predicted failure: that one is analytics'. */
const BY_HAND: readonly JobType[] = JOB_TYPES.filter((j) => j !== 'predicted_failure');

export function newJobForm(): HTMLElement {
  const status = el('p', { role: 'status', 'aria-live': 'polite', class: 'new-job-status', id: 'new-job-status' });
  const devices = el('datalist', { id: 'new-job-devices' });
  const device = el('input', { id: 'new-job-device', name: 'deviceId', list: 'new-job-devices', required: '' });
  const type = el(
    'select',
    { id: 'new-job-type', name: 'jobType' },
    ...BY_HAND.map((j) => el('option', { value: j, text: labelOf('jobType', j) })),
  );
  const mode = el('input', { id: 'new-job-mode', name: 'mode', pattern: '[a-z][a-z0-9_]*' });
  const modeLabel = el('label', { for: 'new-job-mode', text: t('board.newJob.mode') });
  const note = el('input', { id: 'new-job-note', name: 'note', maxlength: '2000' });
  const showMode = () => {
    const failure = FAILURE_JOB_TYPES.includes(type.value as JobType);
    mode.hidden = modeLabel.hidden = !failure;
    mode.required = failure;
  };
  type.addEventListener('change', showMode);
  showMode();
  device.addEventListener('focus', () =>
    devices.replaceChildren(...[...live.devices.keys()].sort().map((id) => el('option', { value: id }))),
  );
  const form = el(
    'form',
    { class: 'filters new-job', id: 'new-job' },
    el('label', { for: 'new-job-device', text: t('board.newJob.device') }),
    device,
    devices,
    el('label', { for: 'new-job-type', text: t('board.newJob.type') }),
    type,
    modeLabel,
    mode,
    el('label', { for: 'new-job-note', text: t('board.newJob.note') }),
    note,
    el('button', { type: 'submit', text: t('board.newJob.submit') }),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const jobType = type.value as JobType;
    const body = {
      deviceId: device.value.trim(),
      jobType,
      ...(FAILURE_JOB_TYPES.includes(jobType) ? { mode: mode.value.trim() } : {}),
      ...(note.value.trim() ? { note: note.value.trim() } : {}),
    };
    api<{ workOrder: { id: string } }>('work-orders', { method: 'POST', body })
      .then((r) => {
        status.textContent = t('board.newJob.created', { id: r.workOrder.id, type: labelOf('jobType', jobType) });
        form.reset();
        showMode();
      })
      .catch((err) => {
        status.textContent = t('board.newJob.failed', { reason: (err as Error).message });
      });
  });
  return el('section', { class: 'new-job-section' }, el('h3', { text: t('board.newJob.title') }), form, status);
}
