import { Component, type ComponentChildren } from "preact";

/**
 * Renders its children once and never again: form fields the person edits (uncontrolled) are
 * not set back to their first value when the island around them re-renders.
 */
export class Frozen extends Component<{ children: ComponentChildren }> {
  override shouldComponentUpdate() {
    return false;
  }

  render() {
    return <>{this.props.children}</>;
  }
}
