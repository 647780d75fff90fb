// The order in which the cells of an interleaved group run, round by round (measure.ts, and the
// remote mode's remote.ts).

/**
 * The order of a group's cells in measured round `round` (1-based): as planned in odd rounds,
 * reversed in even ones (A B C, C B A, A B C...). With one fixed order, every cell always ran after
 * the same neighbour and at the same distance from the round's start: a cell after a Postgres-heavy
 * one (a session cell) or after the longest idle gap was measured in a different state every round,
 * and the paired per-round ratios (compare.ts) carried that bias however many rounds ran. Alternating
 * gives every cell the same mean position and each neighbour on both sides.
 */
export function roundOrder<T>(cells: readonly T[], round: number): readonly T[] {
  return round % 2 === 1 ? cells : [...cells].reverse();
}
