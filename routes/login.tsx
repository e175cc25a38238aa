import { z } from "zod";
import { AccountForm } from "@/components/AccountForm.tsx";
import { GoogleSignInButton } from "@/components/GoogleSignInButton.tsx";
import { ProductIntro } from "@/components/ProductIntro.tsx";
import { signIn, SignInEmail } from "@/lib/auth/accounts.ts";
import { accountFormData, NextQuery, signedInRedirect } from "@/lib/http/session.ts";
import { formAgain, type FormFailure, page } from "@/lib/http/page.ts";
import type { Services } from "@/lib/services.ts";
import { define } from "@/lib/web/define.ts";

const LoginForm = z.object({
  email: SignInEmail,
  password: z.string({ message: "Enter your password" }).min(1, "Enter your password"),
});

export const handler = define.handlers({
  GET: page(
    { auth: false, query: NextQuery },
    (ctx, { user, query }) =>
      user ? ctx.redirect("/") : { data: loginData(ctx.state.services, query.next) },
  ),
  POST: page(
    { auth: false, query: NextQuery, form: LoginForm },
    async (ctx, { query, form: { email, password } }) => {
      const { services } = ctx.state;
      const { token } = await signIn(services, email, password, ctx.remoteAddr ?? "unknown");
      return signedInRedirect(token, query.next, ctx.url, services);
    },
    (ctx, failure, { query }) =>
      formAgain(loginData(ctx.state.services, query.next, failure), failure),
  ),
});

/** The sign-in form's data, and whether Google is the sandbox (the landing's how-to-try). */
function loginData(services: Services, next: string, failure?: FormFailure) {
  return { ...accountFormData(next, failure), sandbox: services.config.googleSandbox };
}

export default define.page<typeof handler>(function Login({ data }) {
  return (
    <>
      <ProductIntro sandbox={data.sandbox} />
      <AccountForm
        title="Sign in"
        heading="Sign in"
        submit="Sign in"
        data={data}
        alternative={<GoogleSignInButton next={data.next} />}
        password={{ autocomplete: "current-password" }}
      >
        <a href="/password-reset">Forgot your password?</a> · New here?{" "}
        <a href={`/register${data.nextQuery}`}>Create an account</a>
      </AccountForm>
    </>
  );
});
