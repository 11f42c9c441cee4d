"""One HSDS service (with its organization, locations, phones...) -> one agencies.csv row."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from ...loading import (
    AGENCY_HEADER,
    MAX_AGE,
    MAX_FIELD_CHARS,
    SLUG,
    Row,
    RowProblem,
    website,
)
from ...records import AgeGroup, Kind, Level, Need, format_phone
from ..crosswalk import Crosswalk, Term, needs_for_terms
from ..schema import LINKS
from ..tables import AS_WRITTEN, NO_DESCRIPTION, join_address
from ..taxonomy import AGE_GROUP, KIND, LEVEL, NEED, RECORD
from .report import Problems, Rec
from .vocabulary import crosswalk_problems, words_of
from .vocabulary import need_words as vocabulary_words

SKIPPED_STATUSES = ("inactive", "defunct")


class AgencyRows:
    """The agency half of the converter: needs the indexes `Converter` builds."""

    tables: dict[str, list[Rec]]
    by_id: dict[str, dict[str, Rec]]
    problems: Problems
    src: Path
    kept: dict[str, int]
    attributes: dict[str, list[tuple[str, str, str, Rec]]]
    area_of: dict[str, str]
    root: str | None
    service_of_agency: dict[str, str]  # agency id -> the feed's service id

    def _rows(self, table: str, column: str, value: str) -> list[Rec]:
        raise NotImplementedError

    def _values(self, link_id: str, taxonomy_key: str, code: str | None = None) -> list[str]:
        raise NotImplementedError

    def _agencies(
        self, needs: dict[str, Need], areas: dict[str, dict[str, str]]
    ) -> tuple[list[dict[str, str]], int]:
        agencies: list[dict[str, str]] = []
        used_ids: set[str] = set()
        skipped = 0
        need_words = vocabulary_words(needs.values())
        self.crosswalk = Crosswalk.build(needs.values(), getattr(self, "crosswalk_folder", None))
        if not self.crosswalk.is_bundled:  # a county's own file: its unused rows are losses
            self.problems.extend(crosswalk_problems(self.crosswalk))
        for service in self.tables["service"]:
            row = self._agency(service, needs, need_words, used_ids)
            if row is None:
                skipped += 1
                continue
            used_ids.add(row["id"])
            agencies.append(row)
            self.service_of_agency[row["id"]] = service.id
        return agencies, skipped

    def _agency(
        self, service: Rec, needs: dict[str, Need], need_words: dict[str, str], used_ids: set[str]
    ) -> dict[str, str] | None:
        name = service.text("name")
        if not name:
            self.problems.add(service, "name", "", "required value is missing", "service skipped")
            return None
        status = service.text("status").lower()
        if status in SKIPPED_STATUSES:
            self.problems.add(
                service, "status", status, f"the service is {status}", "service skipped"
            )
            return None
        notes: list[str] = []
        organization = self.by_id["organization"].get(service.text("organization_id"))
        row = {column: "" for column in AGENCY_HEADER}
        row["name"] = name
        row["id"] = self._agency_id(service, name, used_ids)
        kinds = self._values(service.id, KIND.key)
        row["kind"] = (
            kinds[0] if kinds and kinds[0] in {k.value for k in Kind} else Kind.FORMAL.value
        )
        row["levels"] = ";".join(
            v for v in self._values(service.id, LEVEL.key) if v in {level.value for level in Level}
        )
        row["age_groups"] = ";".join(
            v
            for v in self._values(service.id, AGE_GROUP.key)
            if v in {group.value for group in AgeGroup}
        )
        row["min_age"] = self._age(service, "minimum_age")
        row["max_age"] = self._age(service, "maximum_age")
        if row["min_age"] and row["max_age"] and int(row["min_age"]) > int(row["max_age"]):
            self.problems.add(
                service,
                "maximum_age",
                row["max_age"],
                f"maximum_age is below minimum_age {row['min_age']}",
                "both ages dropped",
            )
            row["min_age"] = row["max_age"] = ""
        row["areas"] = ";".join(self._service_areas(service))
        row["needs"] = ";".join(self._service_needs(service, needs, need_words, notes))
        row["phones"] = ";".join(self._phones(service, organization, notes))
        row["description"] = service.text("description") or (
            organization.text("description")
            if organization and organization.text("description") != NO_DESCRIPTION
            else ""
        )
        row["website"] = self._website(service, organization, notes)
        row["how_to_refer"] = service.text("application_process")
        row["eligibility"] = service.text("eligibility_description")
        row["languages"] = ";".join(self._languages(service, notes))
        row["verified_on"] = self._verified_on(service)
        self._location(service, row, notes)
        sources = self._values(service.id, RECORD.key, "source")
        row["source"] = (
            sources[0]
            if sources
            else (f"Open Referral HSDS import of {self.src.name}, service {service.id}")
        )
        reconstructed = [
            c for c in self._values(service.id, RECORD.key, "reconstructed") if c in AGENCY_HEADER
        ]
        row["reconstructed"] = ";".join(reconstructed)
        own_notes = self._values(service.id, RECORD.key, "notes")
        self._unmapped(service, organization, notes)
        row["notes"] = self._notes(service, own_notes[:1] + notes)
        for column, value in row.items():
            row[column] = (
                _one_line(value)
                if column not in ("notes", "description", "how_to_refer", "eligibility")
                else value
            )
        return row

    def _agency_id(self, service: Rec, name: str, used: set[str]) -> str:
        for value in self._values(service.id, RECORD.key, "id"):
            if SLUG.match(value) and value not in used:
                return value
        return unique_slug(name, used)

    def _age(self, service: Rec, column: str) -> str:
        text = service.text(column)
        if not text:
            return ""
        try:
            number = float(text)
        except ValueError:
            self.problems.add(service, column, text, f'"{text}" is not a number', "value dropped")
            return ""
        if not math.isfinite(number) or not number.is_integer() or not 0 <= number <= MAX_AGE:
            self.problems.add(
                service, column, text, f"{text} is not a whole age in 0..{MAX_AGE}", "value dropped"
            )
            return ""
        return str(int(number))

    def _service_areas(self, service: Rec) -> list[str]:
        ids = [
            self.area_of[sa.id]
            for sa in self._rows("service_area", "service_id", service.id)
            if sa.id in self.area_of
        ]
        ids = list(dict.fromkeys(ids))
        if not ids:
            self.problems.add(
                service,
                "service_areas",
                "",
                "the service names no service area",
                f'listed under the whole region ("{self.root}")',
            )
            ids = [self.root or ""]
        return ids

    def _service_needs(
        self,
        service: Rec,
        needs: Mapping[str, Need],
        need_words: Mapping[str, str],
        notes: list[str],
    ) -> list[str]:
        codes = [c for c in self._values(service.id, NEED.key) if c in needs]
        others = []
        for key, term_id, _, _attribute in self.attributes.get(service.id, []):
            if key:
                continue
            term = self.by_id["taxonomy_term"].get(term_id)
            if term is None:
                continue
            words = {words_of(term.text("name")), words_of(term.text("code"))}
            matched = [need_words[w] for w in words if w in need_words][:1] or needs_for_terms(
                [Term.from_hsds(term, self.by_id["taxonomy"], self.by_id["taxonomy_term"])],
                self.crosswalk,
            )  # outside taxonomies (Open Eligibility, 211/AIRS...) through the crosswalk
            if matched:
                codes.extend(matched)
            else:
                name, code = term.text("name"), term.text("code")
                both = name and code and code != name
                others.append(f"{name} ({code})" if both else name or code)
        if others:
            notes.append("Taxonomy terms: " + "; ".join(dict.fromkeys(others)))
            self.kept["attribute (other taxonomies)"] += 1
        return list(dict.fromkeys(codes))

    def _phones(self, service: Rec, organization: Rec | None, notes: list[str]) -> list[str]:
        phones = list(self._rows("phone", "service_id", service.id))
        for sal in self._rows("service_at_location", "service_id", service.id):
            phones.extend(
                p for p in self._rows("phone", "service_at_location_id", sal.id) if p not in phones
            )
        if not phones and organization is not None:
            phones = [
                p
                for p in self._rows("phone", "organization_id", organization.id)
                if not p.text("service_id")
            ]
        numbers: list[str] = []
        for phone in phones:
            raw = phone.text("number").strip("\"' ")
            if not raw:
                self.problems.add(phone, "number", "", "required value is missing", "phone skipped")
                continue
            try:
                number = format_phone(raw)
            except ValueError as error:
                self.problems.add(phone, "number", raw, str(error), "kept in the agency's notes")
                notes.append(f"Phone: {raw}" + _phone_extra(phone))
                self.kept["phone.number (not North American)"] += 1
                continue
            if number not in numbers:
                numbers.append(number)
            extra = _phone_extra(phone)
            if extra:
                notes.append(f"Phone {number}{extra}")
                self.kept["phone.extension/description"] += 1
        return numbers

    def _website(self, service: Rec, organization: Rec | None, notes: list[str]) -> str:
        candidates = [("url", service, service.text("url"))]
        if organization is not None:
            candidates.append(("website", organization, organization.text("website")))
        chosen = ""
        for column, rec, value in candidates:
            if not value:
                continue
            try:
                checked = website(Row(Path(rec.file), 0, {"website": value}), "website")
            except RowProblem as problem:
                self.problems.add(rec, column, value, problem.reason, "value dropped")
                continue
            if not chosen:
                chosen = checked
            elif checked != chosen:
                notes.append(f"Organization website: {value}")
                self.kept["organization.website"] += 1
        return chosen

    def _languages(self, service: Rec, notes: list[str]) -> list[str]:
        names = []
        for language in self._rows("language", "service_id", service.id):
            name = language.text("name") or language.text("code")
            if name:
                names.append(name.replace(";", ","))
            if language.text("note"):
                notes.append(f"Language {name}: {language.text('note')}")
                self.kept["language.note"] += 1
        return list(dict.fromkeys(names))

    def _verified_on(self, service: Rec) -> str:
        text = service.text("assured_date")
        if not text:
            return ""
        try:
            verified = date.fromisoformat(text[:10])
        except ValueError:
            self.problems.add(
                service,
                "assured_date",
                text,
                f'"{text}" is not a date (YYYY-MM-DD)',
                "value dropped",
            )
            return ""
        if verified > date.today():
            self.problems.add(
                service, "assured_date", text, f"{text} is in the future", "value dropped"
            )
            return ""
        return verified.isoformat()

    def _location(self, service: Rec, row: dict[str, str], notes: list[str]) -> None:
        places = [
            sal
            for sal in self._rows("service_at_location", "service_id", service.id)
            if sal.text("location_id")
        ]
        for index, sal in enumerate(places):
            location = self.by_id["location"].get(sal.text("location_id"))
            if location is None:
                continue
            address = self._address(location)
            if index > 0 or row["address"] or row["latitude"]:
                notes.append("Also at: " + (address or location.text("name") or location.id))
                self.kept["location (second and later)"] += 1
                continue
            description = location.text("description")  # our export's unsplit address?
            as_written = description if description.startswith(AS_WRITTEN) else ""
            if not address and as_written:
                address = as_written[len(AS_WRITTEN) :]
            row["address"] = address
            lat, lon = location.text("latitude"), location.text("longitude")
            if lat or lon:
                try:
                    lat_f, lon_f = float(lat), float(lon)
                    if not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180):
                        raise ValueError(f"{lat}, {lon} is outside -90..90, -180..180")
                except ValueError as error:
                    reason = (
                        str(error)
                        if "outside" in str(error)
                        else f'"{lat}", "{lon}" is not a point'
                    )
                    self.problems.add(
                        location, "latitude", f"{lat},{lon}", reason, "coordinates dropped"
                    )
                else:
                    row["latitude"], row["longitude"] = repr(lat_f), repr(lon_f)
            for column in ("description", "transportation", "alternate_name", "url"):
                if location.text(column) and not (column == "description" and as_written):
                    notes.append(f"Location {column.replace('_', ' ')}: {location.text(column)}")
                    self.kept[f"location.{column}"] += 1
            if location.text("name") and location.text("name") != row["name"]:
                notes.append(f"Location: {location.text('name')}")
                self.kept["location.name"] += 1
            for child in ("accessibility", "schedule"):
                for rec in self._rows(child, "location_id", location.id):
                    if not rec.text("service_id"):
                        notes.extend(self._describe(rec))

    def _address(self, location: Rec) -> str:
        addresses = list(self._rows("address", "location_id", location.id))
        addresses.sort(key=lambda a: a.text("address_type") != "physical")
        if not addresses:
            return ""
        a = addresses[0]
        return join_address(
            a.text("address_1"),
            a.text("address_2"),
            a.text("city"),
            a.text("state_province"),
            a.text("postal_code"),
        )

    def _unmapped(self, service: Rec, organization: Rec | None, notes: list[str]) -> None:
        """Every non-empty HSDS field we have no column for, as 'Label: value' note lines."""
        mapped = {
            "id",
            "organization_id",
            "program_id",
            "name",
            "description",
            "url",
            "status",
            "application_process",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "assured_date",
        }
        for column in service.values:
            if column not in mapped and service.text(column):
                notes.append(f"{_label(column)}: {service.text(column)}")
                self.kept[f"service.{column}"] += 1
        program = self.by_id["program"].get(service.text("program_id"))
        if program is not None:
            notes.append(f"Program: {program.text('name')}")
            self.kept["program"] += 1
        if organization is not None:
            if organization.text("name") != service.text("name"):
                notes.append(f"Organization: {organization.text('name')}")
                self.kept["organization.name"] += 1
            for column in organization.values:
                if column in {"id", "name", "description", "website", "parent_organization_id"}:
                    continue
                if organization.text(column):
                    notes.append(
                        f"Organization {_label(column).lower()}: {organization.text(column)}"
                    )
                    self.kept[f"organization.{column}"] += 1
            description = organization.text("description")
            if description == NO_DESCRIPTION:
                description = ""
            if description and description != (service.text("description") or description):
                notes.append(f"About the organization: {description}")
                self.kept["organization.description"] += 1
        for table in ("schedule", "cost_option", "required_document", "funding", "contact"):
            for rec in self._rows(table, "service_id", service.id):
                notes.extend(self._describe(rec))
        if organization is not None:
            for table in ("organization_identifier", "funding"):
                for rec in self._rows(table, "organization_id", organization.id):
                    if not rec.text("service_id"):
                        notes.extend(self._describe(rec))

    def _describe(self, rec: Rec) -> list[str]:
        links = set(LINKS) | {"id"}
        parts = [
            f"{_label(c).lower()} {rec.text(c)}"
            for c in rec.values
            if c not in links and rec.text(c)
        ]
        if not parts:
            return []
        self.kept[rec.table] += 1
        return [f"{_label(rec.table)}: " + "; ".join(parts)]

    def _notes(self, service: Rec, lines: list[str]) -> str:
        lines = [line for line in lines if line]
        if len(lines) > 1 or (lines and not self._values(service.id, RECORD.key, "notes")):
            if not self._values(service.id, RECORD.key, "notes"):
                lines.insert(0, "From the HSDS record:")
        text = "\n".join(lines)
        if len(text) > MAX_FIELD_CHARS:
            self.problems.add(
                service,
                "notes",
                "",
                f"unmapped fields add up to {len(text)} characters; at most {MAX_FIELD_CHARS} fit",
                "notes cut short",
            )
            text = text[: MAX_FIELD_CHARS - 20].rstrip() + " [cut]"
        return text


def _phone_extra(phone: Rec) -> str:
    parts = []
    if phone.text("extension"):
        parts.append(f"extension {phone.text('extension')}")
    if phone.text("description"):
        parts.append(phone.text("description"))
    return (": " + "; ".join(parts)) if parts else ""


def _label(column: str) -> str:
    return column.replace("_", " ").capitalize()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def unique_slug(text: str, taken: Iterable[str] | Mapping[str, Any], key=None) -> str:
    """'Community Counselling' -> 'community-counselling', '-2', '-3'... when taken."""
    words = re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))
    base = "-".join(words[:8])[:60].strip("-") or "record"
    if isinstance(taken, Mapping) and key is not None:
        for existing_id, value in taken.items():
            if existing_id.startswith(base) and key(value):
                return existing_id
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


# -- writing --------------------------------------------------------------------------------
