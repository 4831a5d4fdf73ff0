// Loaded objects are shared: the parse cache hands the objects of an unchanged file out again,
// and the core keeps its work per loaded revision on the understanding that nothing it was given
// changes. Freezing them makes that a rule the runtime enforces instead of a comment.

/** Freezes `value` and everything reachable from it; returns it. Already frozen parts are skipped. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  // Children first: a frozen object then always has frozen children, so skipping it is safe.
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}
