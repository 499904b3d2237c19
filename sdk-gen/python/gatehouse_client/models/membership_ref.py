from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.role_ref import RoleRef


T = TypeVar("T", bound="MembershipRef")


@_attrs_define
class MembershipRef:
    """
    Attributes:
        id (str):
        organization_id (str):
        role (RoleRef):
        status (str):
    """

    id: str
    organization_id: str
    role: RoleRef
    status: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        organization_id = self.organization_id

        role = self.role.to_dict()

        status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "organization_id": organization_id,
                "role": role,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.role_ref import RoleRef

        d = dict(src_dict)
        id = d.pop("id")

        organization_id = d.pop("organization_id")

        role = RoleRef.from_dict(d.pop("role"))

        status = d.pop("status")

        membership_ref = cls(
            id=id,
            organization_id=organization_id,
            role=role,
            status=status,
        )

        membership_ref.additional_properties = d
        return membership_ref

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
