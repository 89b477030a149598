// Local stand-in for the work item form: stateful fake work items and the work item form service
// (ms.vss-work-web.work-item-form, all 26 methods of IWorkItemFormService), plus the listener calls
// a real form makes (shared/reference/widgets-and-work-item-form.md §3).

const FIELD_DEFS = [
  ["System.Id", "ID", "integer", true],
  ["System.Title", "Title", "string", false],
  ["System.State", "State", "string", false],
  ["System.WorkItemType", "Work Item Type", "string", true],
  ["System.AssignedTo", "Assigned To", "string", false],
  ["System.TeamProject", "Team Project", "string", true],
  ["System.CreatedDate", "Created Date", "dateTime", true],
  ["Microsoft.VSTS.Common.Priority", "Priority", "integer", false],
];
const ALLOWED = {
  "System.State": ["New", "Active", "Resolved", "Closed"],
  "Microsoft.VSTS.Common.Priority": [1, 2, 3, 4],
};
const RELATION_TYPES = [
  { name: "Related", referenceName: "System.LinkTypes.Related", attributes: { usage: "workItemLink" } },
  { name: "Hyperlink", referenceName: "Hyperlink", attributes: { usage: "resourceLink" } },
];

function fieldRef(ref) {
  const def = FIELD_DEFS.find((d) => d[0] === ref);
  return def && { referenceName: def[0], name: def[1], type: def[2], readOnly: def[3], isIdentity: ref === "System.AssignedTo" };
}

export class WorkItemForm {
  /**
   * @param {Array<object>} items work items from the devhost ({id, fields})
   * @param {string} orgUrl used for REST resource URLs
   * @param {(method: string, args: object) => Promise<void>} notify calls every form contribution's listener
   * @param {() => void} changed re-renders the host's form UI
   */
  constructor(items, orgUrl, notify, changed) {
    this.items = new Map(
      items.map((item) => [
        item.id,
        { id: item.id, original: { ...item.fields }, current: { ...item.fields }, revision: 1, relations: [], error: null },
      ]),
    );
    this.orgUrl = orgUrl;
    this.notify = notify;
    this.changed = changed;
    this.activeId = null;
  }

  get active() {
    return this.activeId === null ? null : this.items.get(this.activeId);
  }

  requireActive() {
    const item = this.active;
    if (!item) throw new Error("There is no active work item.");
    return item;
  }

  /** Open another work item in the same form (and the same frames): onUnloaded, then onLoaded. */
  async open(id) {
    if (!this.items.has(id)) throw new Error(`Work item ${id} does not exist.`);
    if (this.activeId !== null) await this.notify("onUnloaded", { id: this.activeId });
    this.activeId = id;
    this.changed();
    await this.notify("onLoaded", { id, isNew: false, isReadOnly: false });
  }

  async close() {
    if (this.activeId === null) return;
    const id = this.activeId;
    await this.notify("onUnloaded", { id });
    this.activeId = null;
    this.changed();
  }

  dirtyRefs(item) {
    return Object.keys(item.current).filter((ref) => item.current[ref] !== item.original[ref]);
  }

  async setFields(values) {
    const item = this.requireActive();
    const result = {};
    const changedFields = {};
    for (const [ref, value] of Object.entries(values)) {
      const def = fieldRef(ref);
      const ok = !!def && !def.readOnly && (!ALLOWED[ref] || ALLOWED[ref].includes(value));
      result[ref] = ok;
      if (ok && item.current[ref] !== value) {
        item.current[ref] = value;
        changedFields[ref] = value;
      }
    }
    this.changed();
    // One event for all fields changed together, sent to every listener including the caller.
    if (Object.keys(changedFields).length) await this.notify("onFieldChanged", { id: item.id, changedFields });
    return result;
  }

  async save() {
    const item = this.requireActive();
    if (item.error) throw new Error(`The work item cannot be saved: ${item.error}`);
    if (!String(item.current["System.Title"] || "").trim()) throw new Error("The work item cannot be saved: Title is required.");
    item.original = { ...item.current };
    item.revision += 1;
    this.changed();
    await this.notify("onSaved", { id: item.id });
  }

  async refresh() {
    const item = this.requireActive();
    this.changed();
    await this.notify("onRefreshed", { id: item.id });
  }

  async reset() {
    const item = this.requireActive();
    item.current = { ...item.original };
    item.error = null;
    this.changed();
    await this.notify("onReset", { id: item.id });
  }

  /** The object getService("ms.vss-work-web.work-item-form") returns; every function is proxied. */
  service() {
    const form = this;
    const active = () => form.requireActive();
    const value = (item, ref, options) => {
      const original = options === true || (options && options.returnOriginalValue);
      return (original ? item.original : item.current)[ref] ?? null;
    };
    return {
      getId: async () => active().id,
      getRevision: async () => active().revision,
      getFields: async () => FIELD_DEFS.map((d) => fieldRef(d[0])),
      getFieldValue: async (ref, options) => value(active(), ref, options),
      getIdentityFieldValue: async (ref, options) => {
        const name = value(active(), ref, options);
        return name ? { displayName: name, uniqueName: name, id: `identity-${name}` } : null;
      },
      getFieldValues: async (refs, options) => Object.fromEntries(refs.map((ref) => [ref, value(active(), ref, options)])),
      setFieldValue: async (ref, v) => (await form.setFields({ [ref]: v }))[ref],
      setFieldValues: async (values) => form.setFields(values),
      getAllowedFieldValues: async (ref) => ALLOWED[ref] || [],
      isDirty: async () => form.dirtyRefs(active()).length > 0,
      isNew: async () => (active(), false),
      isValid: async () => !active().error && !!String(active().current["System.Title"] || "").trim(),
      setError: async (message) => {
        active().error = String(message);
        form.changed();
      },
      clearError: async () => {
        active().error = null;
        form.changed();
      },
      save: () => form.save(),
      refresh: () => form.refresh(),
      reset: () => form.reset(),
      getInvalidFields: async () => (String(active().current["System.Title"] || "").trim() ? [] : [fieldRef("System.Title")]),
      getDirtyFields: async () => form.dirtyRefs(active()).map(fieldRef),
      addWorkItemRelations: async (relations) => {
        const item = active();
        for (const rel of relations) {
          if (rel.rel === "AttachedFile") throw new Error("Attachments are not supported.");
          item.relations.push({ rel: rel.rel, url: rel.url, attributes: rel.attributes || {} });
        }
        form.changed();
      },
      removeWorkItemRelations: async (relations) => {
        const item = active();
        item.relations = item.relations.filter((r) => !relations.some((x) => x.rel === r.rel && x.url === r.url));
        form.changed();
      },
      getWorkItemRelations: async () => active().relations.map((r) => ({ ...r })),
      getWorkItemResourceUrl: async (id) => `${form.orgUrl}/_apis/wit/workItems/${id}`,
      getWorkItemRelationTypes: async () => RELATION_TYPES.map((t) => ({ ...t, url: `${form.orgUrl}/_apis/wit/workItemRelationTypes/${t.referenceName}` })),
      hasActiveWorkItem: async () => form.activeId !== null,
      beginSaveWorkItem: async (success, error) => {
        try {
          await form.save();
          if (success) await success();
        } catch (e) {
          if (error) await error();
        }
      },
    };
  }
}
