import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

interface DialogProps {
  open: boolean;
  onClose: () => void;
  title: string;
  /** Unique on the page; names the dialog through its heading. */
  id: string;
  children: ComponentChildren;
  wide?: boolean;
}

const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), select, textarea, " +
  "[tabindex]:not([tabindex='-1'])";

/**
 * A modal `<dialog>` (for islands): the page behind is inert, Tab cycles inside it, Escape and
 * the close button close it, and focus goes back to where it was.
 */
export function Dialog(props: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<Element | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) {
      opener.current = document.activeElement;
      dialog.showModal();
    } else if (!props.open && dialog.open) {
      dialog.close();
    }
  }, [props.open]);

  function trap(event: KeyboardEvent) {
    if (event.key !== "Tab" || !ref.current) return;
    const items = [...ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)]
      .filter((el) => el.offsetParent !== null);
    if (items.length === 0) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  function closed() {
    props.onClose();
    (opener.current as HTMLElement | null)?.focus?.();
  }

  return (
    <dialog
      ref={ref}
      class={`dialog${props.wide ? " dialog--wide" : ""}`}
      aria-labelledby={`${props.id}-title`}
      onKeyDown={trap}
      onClose={closed}
    >
      <div class="dialog__head">
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        <button
          type="button"
          class="button button--quiet dialog__close"
          onClick={() => ref.current?.close()}
        >
          Close<span class="visually-hidden">{` ${props.title}`}</span>
        </button>
      </div>
      {props.open && props.children}
    </dialog>
  );
}
