/**
 * What cal-sync does, for a signed-out visitor (the sign-in page is the landing page), and in
 * sandbox mode how to try it: Google is simulated, and which made-up accounts to pick.
 */
export function ProductIntro(props: { sandbox: boolean }) {
  return (
    <section class="card intro" aria-labelledby="intro-title">
      <h2 id="intro-title">Copy one Google Calendar into another, and keep it copied</h2>
      <p>
        cal-sync copies the events of a Google Calendar (say, your work calendar) into a calendar of
        another Google account, and keeps the copies up to date every few minutes. Connect the
        accounts once, pick a source and a destination calendar, and it runs by itself, emailing you
        only when it needs you.
      </p>
      {props.sandbox && (
        <p class="notice" id="sandbox-note">
          <strong>Sandbox mode:</strong>{" "}
          Google is simulated here, no real calendar is read or written. Create an account, then
          connect <strong>alice@example.com</strong> (her “Work” calendar has events to copy) and
          {" "}
          <strong>bob@example.com</strong>{" "}
          (copy into his “Main” calendar) when asked to choose a Google account.
        </p>
      )}
    </section>
  );
}
