/**
 * The words of a run held by the deletion guard, shared by the run's result (lib/sync), the sync's
 * page and the card's island. No imports, so an island can use them without bundling the engine.
 */

/** What the card and the alert say of removals held for review. */
export function heldMessage(held: number): string {
  return `This run would remove ${copies(held)}`;
}

/** What the card says of held removals the owner approved. */
export function approvedMessage(held: number): string {
  return `The next run removes ${copies(held)}`;
}

const copies = (n: number) => `${n} cop${n === 1 ? "y" : "ies"}`;
