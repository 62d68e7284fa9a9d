// The choices of a tenant select: every device (no tenant), then each tenant by name.

export function TenantOptions({ names }: { names: readonly string[] }) {
  return (
    <>
      <option value="">all devices</option>
      {names.map((n) => (
        <option key={n} value={n}>
          {n}
        </option>
      ))}
    </>
  );
}
