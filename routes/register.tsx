import { z } from "zod";
import { AccountForm } from "@/components/AccountForm.tsx";
import { GoogleSignInButton } from "@/components/GoogleSignInButton.tsx";
import { Email, NewPassword, registerUser } from "@/lib/auth/accounts.ts";
import { issueToken } from "@/lib/auth/jwt.ts";
import { accountFormData, NextQuery, signedInRedirect } from "@/lib/http/session.ts";
import { formAgain, page } from "@/lib/http/page.ts";
import { define } from "@/lib/web/define.ts";

const RegisterForm = z.object({ email: Email, password: NewPassword });

export const handler = define.handlers({
  GET: page(
    { auth: false, query: NextQuery },
    (ctx, { user, query }) => user ? ctx.redirect("/") : { data: accountFormData(query.next) },
  ),
  POST: page(
    { auth: false, query: NextQuery, form: RegisterForm },
    async (ctx, { query, form: { email, password } }) => {
      const { services } = ctx.state;
      const user = await registerUser(services, email, password, ctx.remoteAddr ?? "unknown");
      const token = await issueToken(user.id, services.config.jwtSecret);
      return signedInRedirect(token, query.next, ctx.url, services);
    },
    (_ctx, failure, { query }) => formAgain(accountFormData(query.next, failure), failure),
  ),
});

export default define.page<typeof handler>(function Register({ data }) {
  return (
    <AccountForm
      title="Create account"
      heading="Create your account"
      submit="Create account"
      data={data}
      alternative={<GoogleSignInButton next={data.next} />}
      password={{ autocomplete: "new-password", minLength: 8, hint: "At least 8 characters." }}
    >
      Already have an account? <a href={`/login${data.nextQuery}`}>Sign in</a>
    </AccountForm>
  );
});
