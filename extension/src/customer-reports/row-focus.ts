// The tables' one tab stop follows the focused row. azure-devops-ui's List gives tabindex 0 to its focused
// row only when it next renders, and ↑/↓ do not render it: after ↓ to the third row, the first row kept
// the tab stop, so Tab from the third row went back to the top of the hub ("By problem") instead of on
// past the table, and Shift+Tab went to the first row.
import { ITableRow } from "azure-devops-ui/Table";
import * as React from "react";

/** A Table `onFocus` that renders the table again when another row takes focus. */
export function useTabStopOnFocusedRow<T>(): (event: React.SyntheticEvent<HTMLElement>, row: ITableRow<T>) => void {
  const [, setFocusedRow] = React.useState(-1);
  return React.useCallback((_event, row) => setFocusedRow(row.index), []);
}
