interface GoogleSignInButtonProps {
  /** Where the person goes once signed in (a safe same-site path, already checked). */
  next: string;
  label?: string;
}

/** "Continue with Google": signs in, or signs up on a first visit, through Google. */
export function GoogleSignInButton(
  { next, label = "Continue with Google" }: GoogleSignInButtonProps,
) {
  const query = next === "/" ? "" : `?next=${encodeURIComponent(next)}`;
  return (
    <div class="auth-alternative">
      <p class="auth-alternative__or" aria-hidden="true">or</p>
      <a class="button button--quiet button--google" href={`/api/auth/google/start${query}`}>
        {label}
      </a>
    </div>
  );
}
