from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.membership_kind import MembershipKind
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateMembership")


@_attrs_define
class CreateMembership:
    """
    Attributes:
        user_id (str):
        organization_id (str):
        role_slug (None | str | Unset):
        kind (MembershipKind | None | Unset):
    """

    user_id: str
    organization_id: str
    role_slug: None | str | Unset = UNSET
    kind: MembershipKind | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        organization_id = self.organization_id

        role_slug: None | str | Unset
        if isinstance(self.role_slug, Unset):
            role_slug = UNSET
        else:
            role_slug = self.role_slug

        kind: None | str | Unset
        if isinstance(self.kind, Unset):
            kind = UNSET
        elif isinstance(self.kind, MembershipKind):
            kind = self.kind.value
        else:
            kind = self.kind

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "user_id": user_id,
                "organization_id": organization_id,
            }
        )
        if role_slug is not UNSET:
            field_dict["role_slug"] = role_slug
        if kind is not UNSET:
            field_dict["kind"] = kind

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        user_id = d.pop("user_id")

        organization_id = d.pop("organization_id")

        def _parse_role_slug(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        role_slug = _parse_role_slug(d.pop("role_slug", UNSET))

        def _parse_kind(data: object) -> MembershipKind | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                kind_type_0 = MembershipKind(data)

                return kind_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MembershipKind | None | Unset, data)

        kind = _parse_kind(d.pop("kind", UNSET))

        create_membership = cls(
            user_id=user_id,
            organization_id=organization_id,
            role_slug=role_slug,
            kind=kind,
        )

        create_membership.additional_properties = d
        return create_membership

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
