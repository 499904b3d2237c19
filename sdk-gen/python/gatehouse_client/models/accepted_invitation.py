from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.invitation import Invitation
    from ..models.organization_membership import OrganizationMembership


T = TypeVar("T", bound="AcceptedInvitation")


@_attrs_define
class AcceptedInvitation:
    """
    Attributes:
        invitation (Invitation):
        organization_membership (None | OrganizationMembership | Unset):
    """

    invitation: Invitation
    organization_membership: None | OrganizationMembership | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.organization_membership import OrganizationMembership

        invitation = self.invitation.to_dict()

        organization_membership: dict[str, Any] | None | Unset
        if isinstance(self.organization_membership, Unset):
            organization_membership = UNSET
        elif isinstance(self.organization_membership, OrganizationMembership):
            organization_membership = self.organization_membership.to_dict()
        else:
            organization_membership = self.organization_membership

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "invitation": invitation,
            }
        )
        if organization_membership is not UNSET:
            field_dict["organization_membership"] = organization_membership

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.invitation import Invitation
        from ..models.organization_membership import OrganizationMembership

        d = dict(src_dict)
        invitation = Invitation.from_dict(d.pop("invitation"))

        def _parse_organization_membership(
            data: object,
        ) -> None | OrganizationMembership | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                organization_membership_type_0 = OrganizationMembership.from_dict(data)

                return organization_membership_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OrganizationMembership | Unset, data)

        organization_membership = _parse_organization_membership(
            d.pop("organization_membership", UNSET)
        )

        accepted_invitation = cls(
            invitation=invitation,
            organization_membership=organization_membership,
        )

        accepted_invitation.additional_properties = d
        return accepted_invitation

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
