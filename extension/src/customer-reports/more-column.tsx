// The rows' "…" column: azure-devops-ui's ColumnMore (its header, width and cell classes) with a plain
// themed <button> per row instead of its ExpandableButton, whose Tooltip, Expandable and focus wrappers
// were about a third of each row's React components on the hub's first render. The menu itself is made
// only while it is open, as before. The button keeps its accessible name ("More options", also the
// native tooltip) and stays out of the tab order inside its row's focus zone (→/← reach it).
import { FocusZoneContext } from "azure-devops-ui/FocusZone";
import { Icon, IconSize } from "azure-devops-ui/Icon";
import { ContextualMenu, IMenuProps } from "azure-devops-ui/Menu";
import { ColumnMore, ITableColumn } from "azure-devops-ui/Table";
import { Location } from "azure-devops-ui/Utilities/Position";
import * as React from "react";

const LABEL = "More options"; // azure-devops-ui's own words, which the tests and screen readers know

let menuIds = 0;

/** A ColumnMore whose cells render {@link MoreButton}; `menu` is asked only when a row's menu opens. */
export function moreColumn<T>(menu: (item: T) => IMenuProps): ITableColumn<T> {
  const column = new ColumnMore<T>(() => ({ id: "", items: [] }));
  column.renderCell = (_rowIndex, columnIndex, _column, item) => (
    <td key="col-more" aria-colindex={columnIndex + 1} data-column-index={columnIndex}
      className={`bolt-table-cell-side-action bolt-table-cell bolt-list-cell col-${columnIndex}`}
      onClick={keepRowInactive} onKeyDown={keepRowInactiveOnKey} onDoubleClick={prevent} onMouseDown={prevent}>
      <div className="bolt-table-cell-content-reveal flex-row justify-center">
        <MoreButton menu={() => menu(item)} />
      </div>
    </td>
  );
  return column;
}

// As ColumnMore's cell: a click or Enter on the "…" is the button's, not the row's (it would expand it).
function keepRowInactive(event: React.MouseEvent): void {
  if (!(event.target instanceof Element && event.target.closest("a"))) event.preventDefault();
}

function keepRowInactiveOnKey(event: React.KeyboardEvent): void {
  if ((event.key === "Enter" || event.key === " ") && !(event.target instanceof Element && event.target.closest("a"))) {
    event.preventDefault();
  }
}

function prevent(event: React.SyntheticEvent): void {
  event.preventDefault();
}

function MoreButton(props: { menu(): IMenuProps }): React.ReactElement {
  const zone = React.useContext(FocusZoneContext);
  const [open, setOpen] = React.useState(false);
  const [id] = React.useState(() => `rb-more-${++menuIds}`);
  const button = React.useRef<HTMLButtonElement>(null);
  const wasOpen = React.useRef(false); // a press on the button while open closes the menu (light dismiss)
  const close = React.useCallback(() => {
    setOpen(false);
    // The menu had focus: give it back to its button, as the Expandable did through its callout.
    requestAnimationFrame(() => {
      const active = document.activeElement;
      if (!active || active === document.body) button.current?.focus();
    });
  }, []);
  const toggle = (event: React.SyntheticEvent) => {
    event.preventDefault();
    if (!wasOpen.current) setOpen(true);
    wasOpen.current = false;
  };
  return (
    <>
      <button ref={button} type="button" aria-label={LABEL} title={LABEL} aria-haspopup="true"
        aria-expanded={open} aria-controls={open ? id : undefined} tabIndex={-1} data-focuszone={zone.focuszoneId}
        className="bolt-table-button-more bolt-button bolt-icon-button enabled subtle icon-only bolt-focus-treatment"
        onMouseDown={() => (wasOpen.current = open)}
        onClick={toggle}
        onKeyDown={(event) => {
          if (event.ctrlKey) return; // Ctrl+arrows move in the focus zone
          if (!open && (event.key === "Enter" || event.key === " " || event.key === "ArrowDown")) {
            wasOpen.current = false;
            toggle(event);
          }
        }}>
        {Icon({ iconName: "MoreVertical", size: IconSize.medium, className: "small left-icon" })}
      </button>
      {open && (
        <ContextualMenu anchorElement={button.current ?? undefined}
          anchorOrigin={{ horizontal: Location.end, vertical: Location.end }}
          menuOrigin={{ horizontal: Location.end, vertical: Location.start }}
          menuProps={{ ...props.menu(), id }} onDismiss={close} />
      )}
    </>
  );
}
