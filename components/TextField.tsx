interface TextFieldProps {
  name: string;
  label: string;
  type?: "text" | "email" | "number";
  value?: string;
  autocomplete?: string;
  required?: boolean;
  error?: string;
}

/** A labelled input with its server-side error announced alongside. */
export function TextField(props: TextFieldProps) {
  const errorId = props.error ? `${props.name}-error` : undefined;
  return (
    <div class="field">
      <label for={props.name}>{props.label}</label>
      <input
        id={props.name}
        name={props.name}
        type={props.type ?? "text"}
        value={props.value}
        autocomplete={props.autocomplete}
        required={props.required}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={errorId}
      />
      {props.error && <p id={errorId} class="field__error">{props.error}</p>}
    </div>
  );
}
