import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { Dialog } from "@/components/Dialog.tsx";
import {
  ACCOUNT_DISCONNECTED_EVENT,
  announceReconnected,
  onAccountReconnected,
  readApiError,
  reconnectLinkClicked,
  type SyncView,
} from "@/components/sync_view.ts";
import type {
  AccountListProps,
  AccountSyncView,
  AccountView,
  ConnectNotice,
} from "@/lib/google/dashboard.ts";
import { useLiveAccounts } from "@/components/live_hooks.ts";

const FAILURES: Record<string, string> = {
  google_error: "Google refused the connection.",
  exchange_failed: "Google did not accept the sign-in. Please try again.",
  offline_access_missing: "Google did not grant lasting access. Please try again.",
  calendar_scope_missing:
    "Calendar access was not granted: allow “See, edit, share and delete your calendars” on Google's consent screen.",
  email_unknown: "Google did not tell us which account this is. Please try again.",
};

function noticeText(notice: ConnectNotice): string {
  const role = notice.account ? ` the ${notice.account} account` : "";
  if (notice.kind === "connected") {
    return notice.email
      ? `The Google account ${notice.email} is connected.`
      : `The ${notice.account ?? ""} Google account is connected.`.replace("  ", " ");
  }
  if (notice.kind === "cancelled") return `Connecting${role} was cancelled; nothing changed.`;
  return `Connecting${role} failed. ${FAILURES[notice.reason ?? ""] ?? "Please try again."}`;
}

/** The connected Google accounts: connect another, reconnect or disconnect each. */
export default function AccountList(props: AccountListProps) {
  const accounts = useSignal(props.accounts);
  const notice = useSignal(props.notice ? noticeText(props.notice) : null);
  const failed = useSignal(props.notice?.kind === "failed");
  const confirming = useSignal<AccountView | null>(null);
  useLiveAccounts(accounts);

  useEffect(() =>
    onAccountReconnected((id) => {
      accounts.value = accounts.value.map((a) => a.id === id ? { ...a, status: "ok" } : a);
      const email = accounts.value.find((a) => a.id === id)?.email;
      failed.value = false;
      notice.value = email ? `The Google account ${email} is connected.` : null;
    }), []);

  useEffect(() => {
    // Back in the popup a Reconnect opened: tell the dashboard behind it, and close.
    const { notice } = props;
    if (!notice?.popup || notice.kind !== "connected" || !notice.account_id) return;
    announceReconnected(notice.account_id);
    close();
  }, []);

  useEffect(() => {
    // A reload should not repeat the notice of the OAuth redirect.
    const url = new URL(location.href);
    if (url.searchParams.has("connect")) {
      for (const name of ["connect", "account", "account_id", "reason", "popup"]) {
        url.searchParams.delete(name);
      }
      history.replaceState(null, "", url.pathname + url.search + url.hash);
    }
  }, []);

  function disconnected(account: AccountView, text: string) {
    accounts.value = accounts.value.filter((a) => a.id !== account.id);
    failed.value = false;
    notice.value = text;
    confirming.value = null;
  }

  return (
    <div class="accounts">
      {notice.value && (
        <p class={`notice${failed.value ? " notice--error" : ""}`} role="status">
          {notice.value}
        </p>
      )}
      {accounts.value.length === 0
        ? (
          <p class="empty">
            No Google account is connected yet. Connect the accounts whose calendars you want to
            copy from and into — as many as you like.
          </p>
        )
        : (
          <ul class="account-list">
            {accounts.value.map((a) => (
              <li key={a.id}>
                <AccountRow account={a} onDisconnect={() => confirming.value = a} />
              </li>
            ))}
          </ul>
        )}
      <p class="accounts__connect">
        <a class="button" href="/accounts/connect">Connect a Google account</a>
      </p>
      {confirming.value && (
        <DisconnectDialog
          account={confirming.value}
          onClose={() => confirming.value = null}
          onDone={disconnected}
        />
      )}
    </div>
  );
}

function AccountRow(props: { account: AccountView; onDisconnect: () => void }) {
  const a = props.account;
  const warn = a.status === "needs_reconnect";
  return (
    <article class={`card account${warn ? " connection--warn" : ""}`} aria-label={a.email}>
      <div class="account__head">
        <strong class="account__email">{a.email}</strong>
        <span class={`badge badge--${warn ? "warn" : "ok"}`}>
          {warn ? "Reconnect needed" : "Connected"}
        </span>
      </div>
      {warn && (
        <p class="connection__status--warn">
          Google no longer accepts this connection: its syncs wait until you reconnect it.
        </p>
      )}
      <p class="muted">
        {a.syncs.length === 0
          ? "No sync uses it yet."
          : `Used by ${a.syncs.map((s) => s.name).join(", ")}.`}
      </p>
      <div class="connection__actions">
        <a
          class={`button${warn ? "" : " button--quiet"}`}
          href={`/accounts/${a.id}/reconnect`}
          onClick={reconnectLinkClicked}
        >
          Reconnect<span class="visually-hidden">{` ${a.email}`}</span>
        </a>
        <a
          class="button button--quiet button--danger"
          href={`/accounts/${a.id}/disconnect`}
          onClick={(event) => {
            event.preventDefault();
            props.onDisconnect();
          }}
        >
          Disconnect<span class="visually-hidden">{` ${a.email}`}</span>
        </a>
      </div>
    </article>
  );
}

interface DisconnectDialogProps {
  account: AccountView;
  onClose: () => void;
  onDone: (account: AccountView, notice: string) => void;
}

/** Says which syncs a disconnect pauses, offers removing their copies, then disconnects. */
function DisconnectDialog({ account, onClose, onDone }: DisconnectDialogProps) {
  const removeEvents = useSignal(false);
  const busy = useSignal(false);
  const problem = useSignal<string | null>(null);
  // Syncs made or deleted since the page loaded count too: ask the server which use it now.
  const syncs = useSignal<AccountSyncView[]>(account.syncs);
  useEffect(() => {
    fetch("/api/sync/config", { headers: { accept: "application/json" } })
      .then((res) => res.ok ? res.json() : Promise.reject())
      .then(({ configs }: { configs: SyncView[] }) => {
        syncs.value = configs
          .filter((c) => c.source_account_id === account.id || c.dest_account_id === account.id)
          .map((c) => ({ id: c.id, name: `${c.source_calendar_name} → ${c.dest_calendar_name}` }));
      })
      .catch(() => {});
  }, [account.id]);

  async function disconnect(event: Event) {
    event.preventDefault();
    busy.value = true;
    problem.value = null;
    try {
      const query = removeEvents.value ? "?remove_synced_events=true" : "";
      const res = await fetch(`/api/accounts/${account.id}${query}`, {
        method: "DELETE",
        headers: { accept: "application/json" },
      });
      if (!res.ok && res.status !== 404) throw new Error((await readApiError(res)).message);
      const body = res.ok ? await res.json() : { paused_syncs: [], events_removed: 0 };
      const paused = body.paused_syncs as { id: string }[];
      dispatchEvent(
        new CustomEvent(ACCOUNT_DISCONNECTED_EVENT, {
          detail: { email: account.email, paused: paused.map((p) => p.id) },
        }),
      );
      onDone(
        account,
        `Disconnected ${account.email}.` +
          (paused.length ? ` ${paused.length} sync(s) paused.` : "") +
          (removeEvents.value ? ` ${body.events_removed} synced event(s) removed.` : ""),
      );
    } catch (e) {
      problem.value = `Could not disconnect: ${(e as Error).message}`;
      busy.value = false;
    }
  }

  return (
    <Dialog
      id={`disconnect-${account.id}`}
      title={`Disconnect ${account.email}?`}
      open
      onClose={onClose}
    >
      <form class="form" onSubmit={disconnect}>
        {syncs.value.length
          ? (
            <>
              <p>These syncs use it and will be paused until it is connected again:</p>
              <ul class="paused-list">
                {syncs.value.map((s) => <li key={s.id}>{s.name}</li>)}
              </ul>
            </>
          )
          : <p>No sync uses this account.</p>}
        <label class="check">
          <input
            type="checkbox"
            checked={removeEvents.value}
            onChange={(e) => removeEvents.value = (e.currentTarget as HTMLInputElement).checked}
          />
          <span>First remove the events synced into this account</span>
        </label>
        {problem.value && <p class="form__error" role="alert">{problem.value}</p>}
        <div class="form__actions">
          <button type="submit" class="button button--danger-solid" disabled={busy.value}>
            {busy.value ? "Disconnecting…" : "Disconnect"}
          </button>
          <button type="button" class="button button--quiet" onClick={onClose}>Cancel</button>
        </div>
      </form>
    </Dialog>
  );
}
