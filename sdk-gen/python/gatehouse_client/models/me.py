from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.membership_ref import MembershipRef
    from ..models.session import Session
    from ..models.user import User


T = TypeVar("T", bound="Me")


@_attrs_define
class Me:
    """
    Attributes:
        user (User):
        session (Session):
        organization_membership (MembershipRef | None | Unset):
    """

    user: User
    session: Session
    organization_membership: MembershipRef | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.membership_ref import MembershipRef

        user = self.user.to_dict()

        session = self.session.to_dict()

        organization_membership: dict[str, Any] | None | Unset
        if isinstance(self.organization_membership, Unset):
            organization_membership = UNSET
        elif isinstance(self.organization_membership, MembershipRef):
            organization_membership = self.organization_membership.to_dict()
        else:
            organization_membership = self.organization_membership

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "user": user,
                "session": session,
            }
        )
        if organization_membership is not UNSET:
            field_dict["organization_membership"] = organization_membership

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.membership_ref import MembershipRef
        from ..models.session import Session
        from ..models.user import User

        d = dict(src_dict)
        user = User.from_dict(d.pop("user"))

        session = Session.from_dict(d.pop("session"))

        def _parse_organization_membership(
            data: object,
        ) -> MembershipRef | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                organization_membership_type_0 = MembershipRef.from_dict(data)

                return organization_membership_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MembershipRef | None | Unset, data)

        organization_membership = _parse_organization_membership(
            d.pop("organization_membership", UNSET)
        )

        me = cls(
            user=user,
            session=session,
            organization_membership=organization_membership,
        )

        me.additional_properties = d
        return me

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
