// The hub's controls around the tables: search, status and sort filters, the link form, the pager.
import { Button } from "azure-devops-ui/Button";
import { Dropdown } from "azure-devops-ui/Dropdown";
import { IListBoxItem } from "azure-devops-ui/ListBox";
import { TextField } from "azure-devops-ui/TextField";
import { DropdownSelection } from "azure-devops-ui/Utilities/DropdownSelection";
import * as React from "react";

import { GroupSort, STATUSES } from "../shared/model";
import { Triageable } from "./cells";

const STATUS_ITEMS: IListBoxItem[] = [{ id: "", text: "All statuses" }, ...STATUSES.map((s) => ({ id: s, text: s }))];
const SORT_ITEMS: IListBoxItem[] = [
  { id: "newest", text: "Newest report" },
  { id: "customers", text: "Most customers" },
  { id: "severity", text: "Highest severity" },
];

interface FilterProps {
  view: "groups" | "reports";
  search: string;
  status: string;
  sort: GroupSort;
  onSearchText(search: string): void;
  onChange(change: { query?: string; status?: string; sort?: GroupSort }): void;
}

/** Search (title, customer, external id, description), status filter and, for problems, the order. */
export function Filters(props: FilterProps): React.ReactElement {
  const [statusSelection] = React.useState(() => selectionOf(STATUS_ITEMS, props.status));
  const [sortSelection] = React.useState(() => selectionOf(SORT_ITEMS, props.sort));
  const apply = () => props.onChange({ query: props.search.trim() });
  return (
    <div className="rb-row">
      <div style={{ width: 300 }}>
        <TextField
          value={props.search}
          placeholder="Search title, customer, ticket or text"
          ariaLabel="Search reports"
          inputId="report-search"
          onChange={(_e, value) => props.onSearchText(value)}
          onKeyDown={(e) => e.key === "Enter" && apply()}
        />
      </div>
      <Button text="Search" onClick={apply} />
      <div style={{ width: 150 }}>
        <Dropdown ariaLabel="Status" className="rb-status-filter" items={STATUS_ITEMS} selection={statusSelection}
          onSelect={(_e, item) => props.onChange({ status: item.id })} />
      </div>
      {props.view === "groups" && (
        <div style={{ width: 170 }}>
          <Dropdown ariaLabel="Sort by" className="rb-sort" items={SORT_ITEMS} selection={sortSelection}
            onSelect={(_e, item) => props.onChange({ sort: item.id as GroupSort })} />
        </div>
      )}
    </div>
  );
}

function selectionOf(items: IListBoxItem[], id: string): DropdownSelection {
  const selection = new DropdownSelection();
  selection.select(Math.max(0, items.findIndex((item) => item.id === id)));
  return selection;
}

interface LinkFormProps {
  target: Triageable;
  onLink(workItemId: number): Promise<void>;
  onCancel(): void;
  onInvalid(message: string): void;
}

/** "Link <problem> to work item <id>". */
export function LinkForm(props: LinkFormProps): React.ReactElement {
  const [value, setValue] = React.useState(props.target.workItem ? String(props.target.workItem.id) : "");
  const [busy, setBusy] = React.useState(false);
  const submit = async () => {
    const id = Number(value.trim());
    if (!Number.isInteger(id) || id <= 0) {
      props.onInvalid("Enter a work item id: a whole number greater than 0.");
      return;
    }
    setBusy(true);
    try {
      await props.onLink(id);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="rb-row" data-testid="link-form">
      <span>Link “{props.target.title}” to work item</span>
      <div style={{ width: 120 }}>
        <TextField value={value} inputId="link-work-item-id" ariaLabel="Work item id" placeholder="Id" autoFocus
          onChange={(_e, v) => setValue(v)} onKeyDown={(e) => e.key === "Enter" && void submit()} />
      </div>
      <Button text="Link" primary disabled={busy} onClick={() => void submit()} />
      <Button text="Cancel" subtle onClick={props.onCancel} />
    </div>
  );
}

interface PagerProps {
  page: number;
  loading: boolean;
  hasNext: boolean;
  previous(): void;
  next(): void;
}

export function Pager(props: PagerProps): React.ReactElement {
  return (
    <div className="rb-row">
      <Button text="Previous" disabled={props.page <= 1 || props.loading} onClick={props.previous} />
      <span className="rb-muted" data-testid="page-number">Page {props.page}</span>
      <Button text="Next" disabled={!props.hasNext || props.loading} onClick={props.next} />
      {props.loading && <span className="rb-muted">Loading…</span>}
    </div>
  );
}
