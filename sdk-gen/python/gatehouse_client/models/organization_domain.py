from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.verification_record import VerificationRecord


T = TypeVar("T", bound="OrganizationDomain")


@_attrs_define
class OrganizationDomain:
    """
    Attributes:
        object_ (str): Always `organization_domain`.
        id (str):
        organization_id (str):
        domain (str):
        state (str): pending | verified | failed
        verification_strategy (str): dns | manual
        verification_token (str):
        verification_record (VerificationRecord): The DNS record that proves a claim.
        attempts (int): Checks made so far.
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        failure_reason (None | str | Unset): Why the last check did not verify: `no matching record`, `nxdomain`,
            `timeout`,
            `dns error: ...`; when failed, `gave up` (72 h passed) or `taken` (another
            organization verified the domain first).
        last_checked_at (datetime.datetime | None | Unset):
        next_check_at (datetime.datetime | None | Unset): When the background re-check looks again (pending only).
        verified_at (datetime.datetime | None | Unset):
    """

    object_: str
    id: str
    organization_id: str
    domain: str
    state: str
    verification_strategy: str
    verification_token: str
    verification_record: VerificationRecord
    attempts: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    failure_reason: None | str | Unset = UNSET
    last_checked_at: datetime.datetime | None | Unset = UNSET
    next_check_at: datetime.datetime | None | Unset = UNSET
    verified_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_

        id = self.id

        organization_id = self.organization_id

        domain = self.domain

        state = self.state

        verification_strategy = self.verification_strategy

        verification_token = self.verification_token

        verification_record = self.verification_record.to_dict()

        attempts = self.attempts

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        failure_reason: None | str | Unset
        if isinstance(self.failure_reason, Unset):
            failure_reason = UNSET
        else:
            failure_reason = self.failure_reason

        last_checked_at: None | str | Unset
        if isinstance(self.last_checked_at, Unset):
            last_checked_at = UNSET
        elif isinstance(self.last_checked_at, datetime.datetime):
            last_checked_at = self.last_checked_at.isoformat()
        else:
            last_checked_at = self.last_checked_at

        next_check_at: None | str | Unset
        if isinstance(self.next_check_at, Unset):
            next_check_at = UNSET
        elif isinstance(self.next_check_at, datetime.datetime):
            next_check_at = self.next_check_at.isoformat()
        else:
            next_check_at = self.next_check_at

        verified_at: None | str | Unset
        if isinstance(self.verified_at, Unset):
            verified_at = UNSET
        elif isinstance(self.verified_at, datetime.datetime):
            verified_at = self.verified_at.isoformat()
        else:
            verified_at = self.verified_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "organization_id": organization_id,
                "domain": domain,
                "state": state,
                "verification_strategy": verification_strategy,
                "verification_token": verification_token,
                "verification_record": verification_record,
                "attempts": attempts,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if failure_reason is not UNSET:
            field_dict["failure_reason"] = failure_reason
        if last_checked_at is not UNSET:
            field_dict["last_checked_at"] = last_checked_at
        if next_check_at is not UNSET:
            field_dict["next_check_at"] = next_check_at
        if verified_at is not UNSET:
            field_dict["verified_at"] = verified_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.verification_record import VerificationRecord

        d = dict(src_dict)
        object_ = d.pop("object")

        id = d.pop("id")

        organization_id = d.pop("organization_id")

        domain = d.pop("domain")

        state = d.pop("state")

        verification_strategy = d.pop("verification_strategy")

        verification_token = d.pop("verification_token")

        verification_record = VerificationRecord.from_dict(d.pop("verification_record"))

        attempts = d.pop("attempts")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_failure_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        failure_reason = _parse_failure_reason(d.pop("failure_reason", UNSET))

        def _parse_last_checked_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_checked_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_checked_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_checked_at = _parse_last_checked_at(d.pop("last_checked_at", UNSET))

        def _parse_next_check_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_check_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_check_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        next_check_at = _parse_next_check_at(d.pop("next_check_at", UNSET))

        def _parse_verified_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                verified_at_type_0 = datetime.datetime.fromisoformat(data)

                return verified_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        verified_at = _parse_verified_at(d.pop("verified_at", UNSET))

        organization_domain = cls(
            object_=object_,
            id=id,
            organization_id=organization_id,
            domain=domain,
            state=state,
            verification_strategy=verification_strategy,
            verification_token=verification_token,
            verification_record=verification_record,
            attempts=attempts,
            created_at=created_at,
            updated_at=updated_at,
            failure_reason=failure_reason,
            last_checked_at=last_checked_at,
            next_check_at=next_check_at,
            verified_at=verified_at,
        )

        organization_domain.additional_properties = d
        return organization_domain

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
