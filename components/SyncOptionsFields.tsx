import { EVENT_TYPE_LABELS, FILTER_LABELS, type OptionsView } from "./sync_options_form.ts";

interface Props {
  /** Prefixes the ids, unique on the page. */
  idPrefix: string;
  options: OptionsView;
}

const COLORS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"];

/**
 * Every option of a sync as plain form fields (named as `optionsFromForm` reads them): works
 * without JavaScript, and the Edit dialog reads the same fields for its live preview.
 */
export function SyncOptionsFields(props: Props) {
  return (
    <>
      <MarkingFields {...props} />
      <MoreOptionsFields {...props} />
      <WindowField {...props} />
      <IntervalField {...props} />
    </>
  );
}

/** Privacy (two clear choices, each with an example copy) and the title prefix. */
export function MarkingFields({ idPrefix: p, options: o }: Props) {
  return (
    <>
      <fieldset class="field">
        <legend>What the copies show</legend>
        <label class="check">
          <input type="radio" name="privacy" value="full" checked={o.privacy === "full"} />
          <span>Full details — e.g. “{o.title_prefix}Dentist”, with its description and place</span>
        </label>
        <label class="check">
          <input type="radio" name="privacy" value="busy" checked={o.privacy === "busy"} />
          <span>Busy only — e.g. “{o.title_prefix}{o.busy_title}”, times only, private</span>
        </label>
      </fieldset>
      <div class="field">
        <label for={`${p}-prefix`}>Put before every copy's title</label>
        <input
          id={`${p}-prefix`}
          name="title_prefix"
          value={o.title_prefix}
          placeholder="[Work] "
          maxLength={50}
        />
      </div>
    </>
  );
}

/** The busy title, colour, copied fields and filters. */
export function MoreOptionsFields({ idPrefix: p, options: o }: Props) {
  const f = o.filters;
  return (
    <>
      <div class="field">
        <label for={`${p}-busy-title`}>Title of busy copies</label>
        <input id={`${p}-busy-title`} name="busy_title" value={o.busy_title} maxLength={200} />
      </div>
      <div class="field">
        <label for={`${p}-color`}>Colour of the copies</label>
        <select id={`${p}-color`} name="dest_color_id">
          <option value="" selected={o.dest_color_id === null}>As the source</option>
          {COLORS.map((c) => (
            <option key={c} value={c} selected={o.dest_color_id === c}>{`Colour ${c}`}</option>
          ))}
        </select>
      </div>
      <fieldset class="field">
        <legend>Copied in full mode</legend>
        <label class="check">
          <input type="checkbox" name="copy_description" checked={o.copy_description} />
          <span>Description</span>
        </label>
        <label class="check">
          <input type="checkbox" name="copy_location" checked={o.copy_location} />
          <span>Location</span>
        </label>
        <label class="check">
          <input type="checkbox" name="copy_color" checked={o.copy_color} />
          <span>Colour</span>
        </label>
      </fieldset>
      <fieldset class="field">
        <legend>Which events</legend>
        {(Object.keys(FILTER_LABELS) as (keyof typeof FILTER_LABELS)[]).map((k) => (
          <label class="check" key={k}>
            <input type="checkbox" name={k} checked={f[k]} />
            <span>{FILTER_LABELS[k]}</span>
          </label>
        ))}
        {Object.entries(EVENT_TYPE_LABELS).map(([type, label]) => (
          <label class="check" key={type}>
            <input
              type="checkbox"
              name={`event_type_${type}`}
              checked={(f.event_types as string[]).includes(type)}
            />
            <span>{label}</span>
          </label>
        ))}
      </fieldset>
      <div class="field">
        <label for={`${p}-include`}>Only titles containing (comma-separated)</label>
        <input id={`${p}-include`} name="include_titles" value={f.include_titles.join(", ")} />
      </div>
      <div class="field">
        <label for={`${p}-exclude`}>Skip titles containing (comma-separated)</label>
        <input id={`${p}-exclude`} name="exclude_titles" value={f.exclude_titles.join(", ")} />
      </div>
    </>
  );
}

export function WindowField({ idPrefix: p, options: o }: Props) {
  return (
    <NumberField
      id={`${p}-days`}
      name="sync_lookahead_days"
      label="Days ahead"
      min={1}
      max={365}
      value={o.sync_lookahead_days}
    />
  );
}

export function IntervalField({ idPrefix: p, options: o }: Props) {
  return (
    <NumberField
      id={`${p}-interval`}
      name="sync_interval_minutes"
      label="Minutes between runs"
      min={5}
      max={1440}
      value={o.sync_interval_minutes}
    />
  );
}

function NumberField(
  props: { id: string; name: string; label: string; min: number; max: number; value: number },
) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.name}
        type="number"
        min={props.min}
        max={props.max}
        value={props.value}
      />
    </div>
  );
}
