/** One dependency /readyz asks about: ready or not, and a detail naming what is wrong. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<{ ok: boolean; detail?: string }>;
}
