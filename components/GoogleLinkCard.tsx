interface GoogleLinkCardProps {
  linked: boolean;
  notice?: "linked" | "cancelled";
}

/** Sign in with Google on the account page: whether it is on, and the way to turn it on. */
export function GoogleLinkCard({ linked, notice }: GoogleLinkCardProps) {
  return (
    <section class="card" aria-labelledby="google-signin-title">
      <h2 id="google-signin-title">Sign in with Google</h2>
      {notice === "linked" && (
        <p role="status">Google is linked: you can now sign in with Google.</p>
      )}
      {notice === "cancelled" && <p role="status">Linking Google was cancelled.</p>}
      {linked
        ? <p>You can sign in with your Google account. Choose Link Google to use another one.</p>
        : (
          <p>
            Link a Google account to sign in with it instead of your password. cal-sync asks Google
            only for your email address.
          </p>
        )}
      <form method="post" action="/api/auth/google/link">
        <button type="submit" class="button">Link Google</button>
      </form>
    </section>
  );
}
