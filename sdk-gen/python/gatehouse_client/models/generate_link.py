from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.portal_intent import PortalIntent
from ..types import UNSET, Unset

T = TypeVar("T", bound="GenerateLink")


@_attrs_define
class GenerateLink:
    """
    Attributes:
        organization (str): The organization the portal session may act on, and only it.
        intent (PortalIntent): What the link lets the IT admin set up.
        return_url (None | str | Unset): Where the portal's "back" link goes.
        success_url (None | str | Unset): Where the portal sends the IT admin once the setup is done.
    """

    organization: str
    intent: PortalIntent
    return_url: None | str | Unset = UNSET
    success_url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        organization = self.organization

        intent = self.intent.value

        return_url: None | str | Unset
        if isinstance(self.return_url, Unset):
            return_url = UNSET
        else:
            return_url = self.return_url

        success_url: None | str | Unset
        if isinstance(self.success_url, Unset):
            success_url = UNSET
        else:
            success_url = self.success_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "organization": organization,
                "intent": intent,
            }
        )
        if return_url is not UNSET:
            field_dict["return_url"] = return_url
        if success_url is not UNSET:
            field_dict["success_url"] = success_url

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        organization = d.pop("organization")

        intent = PortalIntent(d.pop("intent"))

        def _parse_return_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        return_url = _parse_return_url(d.pop("return_url", UNSET))

        def _parse_success_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        success_url = _parse_success_url(d.pop("success_url", UNSET))

        generate_link = cls(
            organization=organization,
            intent=intent,
            return_url=return_url,
            success_url=success_url,
        )

        generate_link.additional_properties = d
        return generate_link

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
