"""The Scan pane: filters, the live device list and the selected device's detail.

It pulls the registry's changes on a timer (`refresh_hz`, about 10 Hz): one batch per tick
however many advertisements arrived, and only the changed rows touch the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label, Select, Static, Switch

from blebench.session.models import AGE_OUT_S
from blebench.ui.scan.detail import AdvertisementDetail
from blebench.ui.scan.model import SORTS, FilterError, ScanFilter, ScanRow, row_from_record
from blebench.ui.scan.table import DeviceTable
from blebench.ui.settings import Settings
from blebench.ui.steady import SteadyStatic

if TYPE_CHECKING:
    from blebench.session.api import SessionApi


class ConnectRequested(Message):
    """The user asked to connect to the device at `address` (Enter or `c` in the list)."""

    def __init__(self, address: str, name: str | None) -> None:
        super().__init__()
        self.address = address
        self.name = name


class ScanFilters(Horizontal):
    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings

    def compose(self) -> ComposeResult:
        # Short placeholders: at 80 columns each field shows about 18 characters.
        yield Input(placeholder="name or address", id="filter-text")
        yield Input(placeholder="service UUID", id="filter-uuid")
        yield Input(placeholder="company (apple)", id="filter-company")
        min_rssi = self.settings.scan.min_rssi
        yield Input(
            value="" if min_rssi <= -127 else str(min_rssi),
            placeholder="min RSSI",
            id="filter-rssi",
            restrict=r"-?[0-9]{0,3}",
        )
        with Horizontal(id="scan-mode-box"):
            yield Label("active", id="scan-mode-label")
            yield Switch(value=self.settings.scan.mode == "active", id="scan-active")
        yield Select(
            [(f"sort {label}", name) for name, (label, _key, _rev) in SORTS.items()],
            value=self.settings.scan.sort,
            allow_blank=False,
            id="scan-sort",
        )


class ScanPane(Vertical):
    BINDINGS = [
        Binding("a", "toggle_mode", "Active/passive"),
        Binding("s", "toggle_scan", "Start/stop scan"),
        Binding("o", "next_sort", "Sort"),
        Binding("slash", "focus_filter", "Filter"),
        Binding("x", "clear_filters", "Clear filters"),
        Binding("c", "connect", "Connect"),
    ]

    def __init__(
        self,
        session: SessionApi,
        settings: Settings,
        *,
        scan_on_start: bool = True,
        id: str | None = None,  # noqa: A002 - Textual's name
    ) -> None:
        super().__init__(id=id)
        self.session = session
        self.settings = settings
        self.scan_on_start = scan_on_start
        self._version = 0
        self._timer: Timer | None = None
        self._last_ages = 0.0
        self.scanning = "stopped"  # "active", "passive" or "stopped"

    def compose(self) -> ComposeResult:
        yield ScanFilters(self.settings)
        yield DeviceTable(id="devices")
        yield SteadyStatic(id="scan-count")
        yield AdvertisementDetail(id="detail")

    @property
    def table(self) -> DeviceTable:
        return self.query_one(DeviceTable)

    @property
    def detail(self) -> AdvertisementDetail:
        return self.query_one(AdvertisementDetail)

    def on_mount(self) -> None:
        table = self.table
        table.sort_name = self.settings.scan.sort
        table.filter = ScanFilter(min_rssi=self.settings.scan.min_rssi)
        self.detail.passive = self.settings.scan.mode == "passive"
        self.detail.clock = self.now
        self._timer = self.set_interval(1.0 / self.settings.ui.refresh_hz, self.pull)
        if self.scan_on_start:
            self.start_scan(self.settings.scan.mode == "active")

    # -- pulling the session's changes --------------------------------------------------

    def now(self) -> float:
        """The registry's clock: ages are measured on the clock that stamped the reports."""
        return self.session.clock()

    def pull(self) -> None:
        """One batch: every record that changed since the last pull."""
        now = self.now()
        version, records = self.session.devices_changed_since(self._version)
        self._version = version
        table = self.table
        if records:
            rows = [row_from_record(record) for record in records]
            # A key not listed yet may be a record filed anew (bonded, a bond deleted, a
            # split) whose old row must go; and the registry may have evicted records.
            rekeyed = any((row.key or row.address) not in table.rows_by_address for row in rows)
            table.ingest(rows, now)
            if rekeyed:
                self._keep_registry_rows()
            selected = table.highlighted_address()
            if selected is not None and any((row.key or row.address) == selected for row in rows):
                self.detail.show(table.rows_by_address.get(selected))
            elif selected is None and table.shown:
                self.detail.show(table.rows_by_address.get(table.highlighted_address() or ""))
        table.set_linked(
            {c.address.upper() for c in self.session.all_connections() if c.is_connected}, now
        )
        if now - self._last_ages >= 1.0:
            self._last_ages = now
            self._keep_registry_rows()  # records dropped without a new one (clear, cap)
            table.refresh_ages(now)
        table.resort(now)
        self._show_count()

    def _keep_registry_rows(self) -> None:
        """The list holds what the registry holds (it evicts beyond its cap, re-files a
        record under its bond's identity): rows of records gone are dropped."""
        _version, records = self.session.devices_changed_since(0)  # 0: every record
        table = self.table
        before = table.highlighted_address()
        table.keep_only({record.key or record.address for record in records})
        after = table.highlighted_address()
        if after != before:
            self.detail.show(table.rows_by_address.get(after or ""))

    def _show_count(self) -> None:
        table = self.table
        total = len(table.rows_by_address)
        heard = f"{self.heard_now} now, {total} seen"
        text = f"{table.shown} shown · {heard}" if table.filter.active else heard
        sort_label = SORTS.get(table.sort_name, SORTS["rssi"])[0]
        mode = "active" if self.settings.scan.mode == "active" else "passive"
        # The scan, its mode and the sort, also here: at 80 columns the status line's scan
        # state and the controls above are hidden.
        if self.scanning == "stopped":
            text += f" · scan stopped (s starts, {mode})"
        else:
            text += f" · scanning {mode} (a)"
        text += f" · sorted by {sort_label} (o)"
        if total > self.heard_now:
            text += f" · dimmed: not heard for {AGE_OUT_S:.0f} s"
        count = self.query_one("#scan-count", Static)
        if str(count.content) != text:
            count.update(text)

    @property
    def device_count(self) -> int:
        return len(self.table.rows_by_address)

    @property
    def heard_now(self) -> int:
        """Devices heard lately (the others stay listed, dimmed)."""
        return self.table.heard_now(self.now())

    # -- scanning -----------------------------------------------------------------------

    def start_scan(self, active: bool) -> None:
        self.scanning = "active" if active else "passive"
        self.detail.passive = not active
        self.run_worker(
            self.session.start_scan(active=active), group="scan", exclusive=True, exit_on_error=False
        )

    def stop_scan(self) -> None:
        self.scanning = "stopped"
        self.run_worker(self.session.stop_scan(), group="scan", exclusive=True, exit_on_error=False)

    def action_toggle_mode(self) -> None:
        switch = self.query_one("#scan-active", Switch)
        switch.value = not switch.value  # the Changed handler does the rest

    @on(Switch.Changed, "#scan-active")
    def _mode_changed(self, event: Switch.Changed) -> None:
        mode = "active" if event.value else "passive"
        if self.settings.scan.mode != mode:
            self.settings.scan.mode = mode
            self._save()
        if self.scanning != "stopped" and self.scanning != mode:
            self.start_scan(event.value)
        selected = self.table.highlighted_address()
        self.detail.passive = not event.value
        if selected is not None:
            self.detail.show(self.table.rows_by_address.get(selected))

    def action_toggle_scan(self) -> None:
        if self.scanning == "stopped":
            self.start_scan(self.settings.scan.mode == "active")
        else:
            self.stop_scan()

    # -- filters and sort ---------------------------------------------------------------

    def action_focus_filter(self) -> None:
        self.query_one("#filter-text", Input).focus()

    def action_clear_filters(self) -> None:
        for selector in ("#filter-text", "#filter-uuid", "#filter-company", "#filter-rssi"):
            self.query_one(selector, Input).value = ""
        self.table.focus()

    def action_next_sort(self) -> None:
        names = list(SORTS)
        select: Select[str] = self.query_one("#scan-sort", Select)
        current = select.value if isinstance(select.value, str) else "rssi"
        select.value = names[(names.index(current) + 1) % len(names)]

    @on(Input.Changed, "ScanFilters Input")
    def _filters_changed(self) -> None:
        values = [
            self.query_one(selector, Input).value
            for selector in ("#filter-text", "#filter-uuid", "#filter-company", "#filter-rssi")
        ]
        rssi_input = self.query_one("#filter-rssi", Input)
        try:
            new_filter = ScanFilter.parse(*values)
        except FilterError as exc:
            # The other filters still apply; the bad minimum keeps its last good value.
            rssi_input.set_class(True, "-invalid")
            self.notify(str(exc), severity="warning", markup=False, timeout=4)
            keep = str(self.table.filter.min_rssi) if self.table.filter.min_rssi > -127 else ""
            new_filter = ScanFilter.parse(values[0], values[1], values[2], keep)
        else:
            rssi_input.set_class(False, "-invalid")
        if new_filter.min_rssi != self.settings.scan.min_rssi:
            self.settings.scan.min_rssi = new_filter.min_rssi
            self._save()
        self.table.set_filter(new_filter, self.now())
        self._show_count()
        self.detail.show(self.table.rows_by_address.get(self.table.highlighted_address() or ""))

    @on(Input.Submitted, "ScanFilters Input")
    def _filter_submitted(self) -> None:
        self.table.focus()

    @on(Select.Changed, "#scan-sort")
    def _sort_changed(self, event: Select.Changed) -> None:
        if not isinstance(event.value, str):
            return
        if self.settings.scan.sort != event.value:
            self.settings.scan.sort = event.value
            self._save()
        self.table.set_sort(event.value, self.now())

    def _save(self) -> None:
        save = getattr(self.app, "save_settings", None)
        if callable(save):
            save()

    # -- selection and connect ----------------------------------------------------------

    @on(DataTable.RowHighlighted, "#devices")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # An empty list highlights no row: Textual then sends no key (row_key None).
        key = event.row_key
        address = None if key is None else key.value
        self.detail.show(self.table.rows_by_address.get(address or ""))

    @on(DataTable.RowSelected, "#devices")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = event.row_key
        self._request_connect(None if key is None else key.value)

    def action_connect(self) -> None:
        self._request_connect(self.table.highlighted_address())

    def _request_connect(self, address: str | None) -> None:
        row: ScanRow | None = self.table.rows_by_address.get(address or "")
        if row is None:
            self.notify("Select a device in the list first.", severity="warning")
            return
        if row.connectable is False:
            self.notify(
                "This device does not accept connections: a broadcaster (a beacon) "
                "advertises as non-connectable. Its data is decoded in the detail view below.",
                severity="warning",
                timeout=6,
            )
            return
        self.post_message(ConnectRequested(row.address, row.name))
