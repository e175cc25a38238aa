import { plainReason } from "./run_words.ts";

/** A failure's reason in plain words, with Google's original words one click away. */
export function FailureReason({ reason }: { reason: string }) {
  const { text, original } = plainReason(reason);
  if (!original) return <>{text}</>;
  return (
    <>
      {text}
      <details class="reason-original">
        <summary>Google's words</summary>
        <code>{original}</code>
      </details>
    </>
  );
}
