import type { ComponentChildren } from "preact";
import type { ShownUser } from "@/lib/web/user.ts";

interface LayoutProps {
  user: ShownUser | undefined;
  url: URL;
  children: ComponentChildren;
}

export function Layout({ user, url, children }: LayoutProps) {
  return (
    <>
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="site-header">
        <div class="container site-header__inner">
          <a class="brand" href="/">cal-sync</a>
          <Nav user={user} url={url} />
        </div>
      </header>
      <main id="main" class="container" tabIndex={-1}>
        {children}
      </main>
      <footer class="site-footer">
        <div class="container">cal-sync keeps one Google calendar a copy of another.</div>
      </footer>
    </>
  );
}

function Nav({ user, url }: { user: ShownUser | undefined; url: URL }) {
  const link = (href: string, label: string) => (
    <li>
      <a href={href} aria-current={url.pathname === href ? "page" : undefined}>{label}</a>
    </li>
  );
  return (
    <nav aria-label="Main">
      <ul class="nav">
        {user
          ? (
            <>
              {link("/", "Dashboard")}
              {link("/account", "Account")}
              <li class="nav__user" title={user.email}>{user.email}</li>
              <li>
                <form method="post" action="/api/auth/logout">
                  <button type="submit" class="button button--quiet">Sign out</button>
                </form>
              </li>
            </>
          )
          : (
            <>
              {link("/login", "Sign in")}
              {link("/register", "Create account")}
            </>
          )}
      </ul>
    </nav>
  );
}
