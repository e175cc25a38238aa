import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

interface PasswordFieldProps {
  /** The form field name, and the input's id unless `id` is given. */
  name: string;
  label: string;
  id?: string;
  /** `current-password` on sign-in, `new-password` on registration. */
  autocomplete: "current-password" | "new-password";
  required?: boolean;
  minLength?: number;
  /** A hint shown under the field and announced with it, e.g. the length rule. */
  hint?: string;
  /** A server-side error for this field, announced with it. */
  error?: string;
}

/** A password input with a show/hide button; without JavaScript it is a plain password input. */
export default function PasswordField(props: PasswordFieldProps) {
  const id = props.id ?? props.name;
  const visible = useSignal(false);
  const enhanced = useSignal(false);
  useEffect(() => {
    enhanced.value = true;
  }, []);
  const describedBy = [props.hint && `${id}-hint`, props.error && `${id}-error`]
    .filter(Boolean).join(" ") || undefined;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <div class="password-field">
        <input
          id={id}
          name={props.name}
          type={visible.value ? "text" : "password"}
          autocomplete={props.autocomplete}
          required={props.required}
          minLength={props.minLength}
          spellcheck={false}
          autoCapitalize="off"
          aria-invalid={props.error ? "true" : undefined}
          aria-describedby={describedBy}
        />
        <button
          type="button"
          class="button button--quiet password-field__toggle"
          hidden={!enhanced.value}
          aria-controls={id}
          onClick={() => visible.value = !visible.value}
        >
          {visible.value ? "Hide " : "Show "}
          <span class="visually-hidden">password</span>
        </button>
      </div>
      {props.hint && <p id={`${id}-hint`} class="field__hint">{props.hint}</p>}
      {props.error && <p id={`${id}-error`} class="field__error">{props.error}</p>}
    </div>
  );
}
