interface ErrorMessageProps {
  title: string;
  message: string;
  requestId?: string;
}

export function ErrorMessage({ title, message, requestId }: ErrorMessageProps) {
  return (
    <section class="card error-page" aria-labelledby="error-title">
      <h1 id="error-title">{title}</h1>
      <p>{message}</p>
      {requestId && (
        <p class="muted">
          Request id: <code>{requestId}</code>
        </p>
      )}
      <p>
        <a href="/">Back to the start page</a>
      </p>
    </section>
  );
}
