from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.idp_certificate import IdpCertificate


T = TypeVar("T", bound="SamlConfig")


@_attrs_define
class SamlConfig:
    """
    Attributes:
        idp_certificates (list[IdpCertificate]): Every certificate a response signature may verify with (several during
            rotation).
        allow_idp_initiated (bool):
        sign_requests (bool):
        sp_entity_id (str):
        acs_url (str):
        sp_metadata_url (str):
        idp_entity_id (None | str | Unset):
        idp_sso_url (None | str | Unset):
        idp_metadata_url (None | str | Unset):
    """

    idp_certificates: list[IdpCertificate]
    allow_idp_initiated: bool
    sign_requests: bool
    sp_entity_id: str
    acs_url: str
    sp_metadata_url: str
    idp_entity_id: None | str | Unset = UNSET
    idp_sso_url: None | str | Unset = UNSET
    idp_metadata_url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        idp_certificates = []
        for idp_certificates_item_data in self.idp_certificates:
            idp_certificates_item = idp_certificates_item_data.to_dict()
            idp_certificates.append(idp_certificates_item)

        allow_idp_initiated = self.allow_idp_initiated

        sign_requests = self.sign_requests

        sp_entity_id = self.sp_entity_id

        acs_url = self.acs_url

        sp_metadata_url = self.sp_metadata_url

        idp_entity_id: None | str | Unset
        if isinstance(self.idp_entity_id, Unset):
            idp_entity_id = UNSET
        else:
            idp_entity_id = self.idp_entity_id

        idp_sso_url: None | str | Unset
        if isinstance(self.idp_sso_url, Unset):
            idp_sso_url = UNSET
        else:
            idp_sso_url = self.idp_sso_url

        idp_metadata_url: None | str | Unset
        if isinstance(self.idp_metadata_url, Unset):
            idp_metadata_url = UNSET
        else:
            idp_metadata_url = self.idp_metadata_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "idp_certificates": idp_certificates,
                "allow_idp_initiated": allow_idp_initiated,
                "sign_requests": sign_requests,
                "sp_entity_id": sp_entity_id,
                "acs_url": acs_url,
                "sp_metadata_url": sp_metadata_url,
            }
        )
        if idp_entity_id is not UNSET:
            field_dict["idp_entity_id"] = idp_entity_id
        if idp_sso_url is not UNSET:
            field_dict["idp_sso_url"] = idp_sso_url
        if idp_metadata_url is not UNSET:
            field_dict["idp_metadata_url"] = idp_metadata_url

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.idp_certificate import IdpCertificate

        d = dict(src_dict)
        idp_certificates = []
        _idp_certificates = d.pop("idp_certificates")
        for idp_certificates_item_data in _idp_certificates:
            idp_certificates_item = IdpCertificate.from_dict(idp_certificates_item_data)

            idp_certificates.append(idp_certificates_item)

        allow_idp_initiated = d.pop("allow_idp_initiated")

        sign_requests = d.pop("sign_requests")

        sp_entity_id = d.pop("sp_entity_id")

        acs_url = d.pop("acs_url")

        sp_metadata_url = d.pop("sp_metadata_url")

        def _parse_idp_entity_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        idp_entity_id = _parse_idp_entity_id(d.pop("idp_entity_id", UNSET))

        def _parse_idp_sso_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        idp_sso_url = _parse_idp_sso_url(d.pop("idp_sso_url", UNSET))

        def _parse_idp_metadata_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        idp_metadata_url = _parse_idp_metadata_url(d.pop("idp_metadata_url", UNSET))

        saml_config = cls(
            idp_certificates=idp_certificates,
            allow_idp_initiated=allow_idp_initiated,
            sign_requests=sign_requests,
            sp_entity_id=sp_entity_id,
            acs_url=acs_url,
            sp_metadata_url=sp_metadata_url,
            idp_entity_id=idp_entity_id,
            idp_sso_url=idp_sso_url,
            idp_metadata_url=idp_metadata_url,
        )

        saml_config.additional_properties = d
        return saml_config

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
