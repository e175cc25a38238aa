import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { ConnectionView, OAuthStatusProps } from "@/lib/google/dashboard.ts";

type AccountType = "source" | "destination";

const ACCOUNTS: { type: AccountType; title: string; role: string }[] = [
  { type: "source", title: "Source account", role: "Events are copied from this Google account." },
  {
    type: "destination",
    title: "Destination account",
    role: "Copies are written into a calendar of this Google account.",
  },
];

const FAILURES: Record<string, string> = {
  google_error: "Google refused the connection.",
  exchange_failed: "Google did not accept the sign-in. Please try again.",
  offline_access_missing: "Google did not grant lasting access. Please try again.",
  calendar_scope_missing:
    "Calendar access was not granted: allow “See, edit, share and delete your calendars” on Google's consent screen.",
  email_unknown: "Google did not tell us which account this is. Please try again.",
};

function noticeText(notice: NonNullable<OAuthStatusProps["notice"]>): string {
  const account = notice.account === "source" ? "source" : "destination";
  if (notice.kind === "connected") return `The ${account} Google account is connected.`;
  if (notice.kind === "cancelled") {
    return `Connecting the ${account} account was cancelled; nothing changed.`;
  }
  return `Connecting the ${account} account failed. ${
    FAILURES[notice.reason ?? ""] ?? "Please try again."
  }`;
}

/** Connect, reconnect and disconnect the source and destination Google accounts. */
export default function OAuthStatus(props: OAuthStatusProps) {
  const connections = useSignal(props.connections);
  const notice = useSignal(props.notice ? noticeText(props.notice) : null);
  const failed = useSignal(props.notice?.kind === "failed");
  const busy = useSignal<AccountType | null>(null);

  useEffect(() => {
    // A reload should not repeat the notice of the OAuth redirect.
    const url = new URL(location.href);
    if (url.searchParams.has("connect")) {
      for (const name of ["connect", "account", "reason"]) url.searchParams.delete(name);
      history.replaceState(null, "", url.pathname + url.search + url.hash);
    }
  }, []);

  async function disconnect(type: AccountType) {
    const email = connections.value[type].email;
    if (!confirm(`Disconnect ${email}? Syncing stops until an account is connected again.`)) return;
    busy.value = type;
    try {
      const res = await fetch(`/api/oauth/${type}`, {
        method: "DELETE",
        headers: { accept: "application/json" },
      });
      if (!res.ok && res.status !== 404) throw new Error(`status ${res.status}`);
      const body = res.ok ? await res.json() : { paused_sync_configs: 0 };
      connections.value = {
        ...connections.value,
        [type]: { connected: false, email: null, status: null, connected_at: null },
      };
      failed.value = false;
      notice.value = `Disconnected ${email}.` +
        (body.paused_sync_configs ? ` ${body.paused_sync_configs} sync(s) paused.` : "");
    } catch {
      failed.value = true;
      notice.value = `Could not disconnect ${email}. Please try again.`;
    } finally {
      busy.value = null;
    }
  }

  return (
    <div class="connections">
      {notice.value && (
        <p class={`notice${failed.value ? " notice--error" : ""}`} role="status">
          {notice.value}
        </p>
      )}
      {ACCOUNTS.map(({ type, title, role }) => {
        const c: ConnectionView = connections.value[type];
        const needsReconnect = c.status === "needs_reconnect";
        return (
          <section
            class={`card connection${needsReconnect ? " connection--warn" : ""}`}
            aria-labelledby={`connection-${type}`}
            key={type}
          >
            <h3 id={`connection-${type}`}>{title}</h3>
            <p class="muted">{role}</p>
            {c.connected
              ? (
                <p>
                  Connected as <strong>{c.email}</strong> {needsReconnect
                    ? (
                      <span class="connection__status connection__status--warn">
                        — reconnect needed: Google no longer accepts this connection, so syncs stop
                        until you reconnect.
                      </span>
                    )
                    : <span class="connection__status">— working.</span>}
                </p>
              )
              : <p>Not connected.</p>}
            <p class="connection__actions">
              <a
                class={`button${c.connected && !needsReconnect ? " button--quiet" : ""}`}
                href={`/api/oauth/start/${type}`}
              >
                {c.connected ? "Reconnect" : "Connect"}
                <span class={c.connected ? "visually-hidden" : undefined}>
                  {` ${type} account`}
                </span>
              </a>{" "}
              {c.connected && (
                <a
                  class="button button--quiet"
                  href={`/accounts/${type}/disconnect`}
                  aria-disabled={busy.value !== null ? "true" : undefined}
                  onClick={(event) => {
                    event.preventDefault();
                    if (busy.value === null) disconnect(type);
                  }}
                >
                  {busy.value === type ? "Disconnecting…" : "Disconnect"}
                  <span class="visually-hidden">{` ${type} account`}</span>
                </a>
              )}
            </p>
          </section>
        );
      })}
    </div>
  );
}
