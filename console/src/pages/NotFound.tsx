import { Link } from "../router.js";

export function NotFoundPage() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        The console has no page at this address. <Link href="/">Go to the overview</Link>.
      </p>
    </section>
  );
}
