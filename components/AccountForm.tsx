import type { ComponentChildren } from "preact";
import { TextField } from "@/components/TextField.tsx";
import PasswordField from "@/islands/PasswordField.tsx";
import type { accountFormData } from "@/lib/http/session.ts";
import { Head } from "@/lib/web/render.tsx";

interface AccountFormProps {
  title: string;
  heading: string;
  submit: string;
  data: ReturnType<typeof accountFormData>;
  password: {
    autocomplete: "current-password" | "new-password";
    minLength?: number;
    hint?: string;
  };
  /** Below the form: another way in (Continue with Google). */
  alternative?: ComponentChildren;
  /** Below the card: the way to the other page. */
  children: ComponentChildren;
}

/** The sign-in or registration card: email and password, and what was wrong with them. */
export function AccountForm(
  { title, heading, submit, data, password, alternative, children }: AccountFormProps,
) {
  return (
    <section class="card auth-card">
      <Head>
        <title>{`${title} · cal-sync`}</title>
      </Head>
      <h1>{heading}</h1>
      <form method="post" class="form" noValidate>
        {data.error && <p class="form__error" role="alert">{data.error}</p>}
        <TextField
          name="email"
          label="Email"
          type="email"
          value={data.email}
          autocomplete="username"
          required
          error={data.fields?.email}
        />
        <PasswordField
          name="password"
          label="Password"
          required
          {...password}
          error={data.fields?.password}
        />
        <button type="submit" class="button">{submit}</button>
      </form>
      {alternative}
      <p class="muted">{children}</p>
    </section>
  );
}
