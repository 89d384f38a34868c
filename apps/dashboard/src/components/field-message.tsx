/** Under a field: its error (announced), or else its hint. */
export function FieldMessage(props: {
  id: string;
  error?: string | undefined;
  hint?: string | null;
}) {
  if (props.error) {
    return (
      <p id={props.id} role="alert" className="text-destructive text-sm">
        {props.error}
      </p>
    );
  }
  return props.hint ? (
    <p id={props.id} className="text-muted-foreground text-sm">
      {props.hint}
    </p>
  ) : (
    <span id={props.id} hidden />
  );
}
