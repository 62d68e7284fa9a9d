// What cannot be carried over from GenieACS is told, not guessed: a translation either gives a Provisio
// equivalent or throws this, with the reason an operator reads in the dry run.

export class Unmappable extends Error {
  override readonly name = "Unmappable";
}

/** The reason of an Unmappable (or of a Provisio check that refused the translation). */
export function reasonOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
