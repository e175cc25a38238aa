import PasswordField from "@/islands/PasswordField.tsx";

/** A new password's field: the length rule, and what choosing it does to other sessions. */
export function NewPasswordField(
  { name, label, consequence, error }: {
    name: string;
    label: string;
    consequence: string;
    error?: string;
  },
) {
  return (
    <PasswordField
      name={name}
      label={label}
      autocomplete="new-password"
      minLength={8}
      hint={`At least 8 characters. ${consequence}`}
      required
      error={error}
    />
  );
}
