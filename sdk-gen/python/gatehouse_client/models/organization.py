from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.organization_domain import OrganizationDomain
    from ..models.organization_metadata import OrganizationMetadata


T = TypeVar("T", bound="Organization")


@_attrs_define
class Organization:
    """
    Attributes:
        object_ (str): Always `organization`.
        id (str):
        name (str):
        metadata (OrganizationMetadata):
        domains (list[OrganizationDomain]):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        external_id (None | str | Unset):
    """

    object_: str
    id: str
    name: str
    metadata: OrganizationMetadata
    domains: list[OrganizationDomain]
    created_at: datetime.datetime
    updated_at: datetime.datetime
    external_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_

        id = self.id

        name = self.name

        metadata = self.metadata.to_dict()

        domains = []
        for domains_item_data in self.domains:
            domains_item = domains_item_data.to_dict()
            domains.append(domains_item)

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        external_id: None | str | Unset
        if isinstance(self.external_id, Unset):
            external_id = UNSET
        else:
            external_id = self.external_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "name": name,
                "metadata": metadata,
                "domains": domains,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if external_id is not UNSET:
            field_dict["external_id"] = external_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.organization_domain import OrganizationDomain
        from ..models.organization_metadata import OrganizationMetadata

        d = dict(src_dict)
        object_ = d.pop("object")

        id = d.pop("id")

        name = d.pop("name")

        metadata = OrganizationMetadata.from_dict(d.pop("metadata"))

        domains = []
        _domains = d.pop("domains")
        for domains_item_data in _domains:
            domains_item = OrganizationDomain.from_dict(domains_item_data)

            domains.append(domains_item)

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_external_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        external_id = _parse_external_id(d.pop("external_id", UNSET))

        organization = cls(
            object_=object_,
            id=id,
            name=name,
            metadata=metadata,
            domains=domains,
            created_at=created_at,
            updated_at=updated_at,
            external_id=external_id,
        )

        organization.additional_properties = d
        return organization

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
