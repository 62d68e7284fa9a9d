// The SET list of an UPDATE that changes only the fields a patch names.

export class Assignments {
  private readonly list: string[];

  /** `params` holds what the statement binds before the assignments ($1... for its WHERE clause). */
  constructor(readonly params: unknown[], initial: string[] = []) {
    this.list = [...initial];
  }

  set(column: string, value: unknown): void {
    this.params.push(value);
    this.list.push(`${column} = $${this.params.length}`);
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  toString(): string {
    return this.list.join(", ");
  }
}
