// Reads an iCalendar file as calendar web clients do with ical.js: the times of each event come from the file's
// own VTIMEZONE (ical.js has no time-zone database of its own). Prints, as JSON, each event's UID with its start
// and end in UTC and its SEQUENCE. Used by tests/test_calendar_clients.py.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const calendar = new ICAL.Component(ICAL.parse(readFileSync(process.argv[2], "utf8")));
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
const events = {};
for (const component of calendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(component);
  events[event.uid] = {
    start: event.startDate.toJSDate().toISOString(),
    end: event.endDate.toJSDate().toISOString(),
    tzid: event.startDate.zone ? event.startDate.zone.tzid : null,
    sequence: event.sequence,
  };
}
process.stdout.write(JSON.stringify(events));
