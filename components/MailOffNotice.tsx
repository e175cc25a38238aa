/** Said on the dashboard when this server sends no email (production without SMTP_URL). */
export function MailOffNotice() {
  return (
    <p class="notice notice--error" role="status">
      Email alerts are off: this server has no mail server set up (SMTP_URL), so nobody is told when
      a sync needs attention. Check this dashboard now and then.
    </p>
  );
}
