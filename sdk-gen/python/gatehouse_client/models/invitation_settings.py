from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="InvitationSettings")


@_attrs_define
class InvitationSettings:
    """When an organization's pending invitations are reminded.

    Attributes:
        object_ (str): Always `invitation_settings`.
        organization_id (str):
        reminder_after_days (int): Days between the invitation (or the last reminder) and the next reminder, 1..30.
        max_reminders (int): Reminders per invitation at most, 0..10 (0: none).
    """

    object_: str
    organization_id: str
    reminder_after_days: int
    max_reminders: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_

        organization_id = self.organization_id

        reminder_after_days = self.reminder_after_days

        max_reminders = self.max_reminders

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "organization_id": organization_id,
                "reminder_after_days": reminder_after_days,
                "max_reminders": max_reminders,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        object_ = d.pop("object")

        organization_id = d.pop("organization_id")

        reminder_after_days = d.pop("reminder_after_days")

        max_reminders = d.pop("max_reminders")

        invitation_settings = cls(
            object_=object_,
            organization_id=organization_id,
            reminder_after_days=reminder_after_days,
            max_reminders=max_reminders,
        )

        invitation_settings.additional_properties = d
        return invitation_settings

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
