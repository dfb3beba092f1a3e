// A work order's history says Purna's own notes in the viewer's words, with names for ids: the
// dispatcher's plan notes, joined with "; ", each said (issue: a night-time assignment showed
// "nobody suitable on shift now: TECH-SUR-01 …" with the raw technician id).
import { describe, expect, it } from 'vitest';
import { t } from '../../core/i18n/index.ts';
import { historyNote, NO_NAMES, type HistoryNames } from '../../dashboard/ui/history-text.ts';

const names: HistoryNames = {
  ...NO_NAMES,
  technicians: new Map([
    ['TECH-SUR-01', 'Hendra Suryadi'],
    ['TECH-SUR-02', 'Andi Santoso'],
  ]),
  depots: new Map([
    ['DEP-SUB', 'Depot Surabaya (Rungkut)'],
    ['DEP-JKT', 'Depot Jakarta (Cakung)'],
  ]),
  parts: new Map([['BRG-6205', 'Bearing 6205']]),
};

describe('history notes of the dispatcher', () => {
  it('each note of a joined plan is said with names, none of the ids left', () => {
    const note = [
      'nearest depot DEP-SUB has no 2 × BRG-6205 free: reserved at DEP-JKT, lead time 26.5 h instead of 4 h',
      "nobody who can take the job has the skill 'bearings' that bearing_wear needs: assigned TECH-SUR-02 without it",
      'nobody suitable on shift now: TECH-SUR-01 can be on site in 4.4 h (after their shift starts)',
    ].join('; ');
    const said = historyNote(note, names);
    expect(said).not.toMatch(/TECH-|DEP-|BRG-/);
    expect(said).toContain(
      'nearest depot Depot Surabaya (Rungkut) has no 2 × Bearing 6205 free: reserved at Depot Jakarta (Cakung)',
    );
    expect(said).toContain('assigned Andi Santoso without it');
    expect(said).toContain('Hendra Suryadi can be on site in 4.4 h, after their shift starts');
    expect(said.split('; ')).toHaveLength(3);
    expect(historyNote('no depot has BRG-6205 in stock: backordered', names)).toBe(
      'no depot has Bearing 6205 in stock: backordered',
    );
  });

  it("a person's note with a semicolon stays as written, even beside one of Purna's", () => {
    const mine = 'called the customer; they will be home after 14:00';
    expect(historyNote(mine, names)).toBe(mine);
    const mixed = `device has no site location: distances not considered; ${mine}`;
    expect(historyNote(mixed, names)).toBe(mixed);
  });

  it('the Indonesian texts fill every placeholder', () => {
    const text = t('id', 'note.offShift', { technician: 'Hendra Suryadi', hours: '4,4' });
    expect(text).toBe(
      'tidak ada teknisi yang cocok sedang bertugas: Hendra Suryadi bisa tiba di lokasi dalam 4,4 jam, setelah shift-nya dimulai',
    );
    expect(t('id', 'note.backordered', { quantity: 2, part: 'Bearing 6205' })).toBe(
      'tidak ada depo yang punya stok 2 × Bearing 6205: dipesan ke pemasok (backorder)',
    );
    expect(
      t('id', 'note.fartherDepot', { nearest: 'A', quantity: 1, part: 'P', depot: 'B', hours: '26,5', instead: '4' }),
    ).toBe('depo terdekat A tidak punya P yang tersedia: dipesan di B, waktu tunggu 26,5 jam, bukan 4 jam');
  });
});
