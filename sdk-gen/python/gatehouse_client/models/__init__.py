"""Contains all the data models used in inputs/outputs"""

from .accept_invitation import AcceptInvitation
from .accepted import Accepted
from .accepted_invitation import AcceptedInvitation
from .acs_form import AcsForm
from .api_key import ApiKey
from .api_key_list import ApiKeyList
from .attribute_map import AttributeMap
from .attribute_preset import AttributePreset
from .authenticate_request import AuthenticateRequest
from .authenticate_response import AuthenticateResponse
from .authentication_challenge import AuthenticationChallenge
from .authentication_factor import AuthenticationFactor
from .client import Client
from .client_list import ClientList
from .code_input import CodeInput
from .code_ticket import CodeTicket
from .connection import Connection
from .connection_list import ConnectionList
from .connection_state import ConnectionState
from .connection_type import ConnectionType
from .create_api_key import CreateApiKey
from .create_client import CreateClient
from .create_connection import CreateConnection
from .create_directory import CreateDirectory
from .create_invitation import CreateInvitation
from .create_membership import CreateMembership
from .create_organization import CreateOrganization
from .create_organization_domain import CreateOrganizationDomain
from .create_organization_metadata_type_0 import CreateOrganizationMetadataType0
from .create_role import CreateRole
from .create_user import CreateUser
from .create_user_metadata_type_0 import CreateUserMetadataType0
from .create_webhook_endpoint import CreateWebhookEndpoint
from .directory import Directory
from .directory_group import DirectoryGroup
from .directory_group_list import DirectoryGroupList
from .directory_kind import DirectoryKind
from .directory_list import DirectoryList
from .directory_user import DirectoryUser
from .directory_user_email import DirectoryUserEmail
from .directory_user_list import DirectoryUserList
from .directory_with_token import DirectoryWithToken
from .domain_data_input import DomainDataInput
from .domain_data_state import DomainDataState
from .email_input import EmailInput
from .endpoint_status import EndpointStatus
from .enroll_factor import EnrollFactor
from .enrolled import Enrolled
from .error import Error
from .event import Event
from .event_list import EventList
from .event_list_metadata import EventListMetadata
from .explanation import Explanation
from .factor_list import FactorList
from .factor_type import FactorType
from .field_error import FieldError
from .generate_link import GenerateLink
from .idp_certificate import IdpCertificate
from .invitation import Invitation
from .invitation_list import InvitationList
from .invitation_settings import InvitationSettings
from .list_metadata import ListMetadata
from .list_order import ListOrder
from .me import Me
from .membership_kind import MembershipKind
from .membership_ref import MembershipRef
from .oidc_config import OidcConfig
from .oidc_input import OidcInput
from .organization import Organization
from .organization_domain import OrganizationDomain
from .organization_list import OrganizationList
from .organization_membership import OrganizationMembership
from .organization_membership_list import OrganizationMembershipList
from .organization_metadata import OrganizationMetadata
from .organization_policy import OrganizationPolicy
from .policy_input import PolicyInput
from .portal_intent import PortalIntent
from .portal_link import PortalLink
from .profile import Profile
from .profile_raw_attributes import ProfileRawAttributes
from .put_invitation_settings import PutInvitationSettings
from .put_social_provider import PutSocialProvider
from .reset_input import ResetInput
from .revoke_session import RevokeSession
from .revoked import Revoked
from .role import Role
from .role_list import RoleList
from .role_ref import RoleRef
from .rule_view import RuleView
from .saml_config import SamlConfig
from .saml_input import SamlInput
from .session import Session
from .session_auth_method import SessionAuthMethod
from .session_list import SessionList
from .set_group_role import SetGroupRole
from .social_provider import SocialProvider
from .social_provider_list import SocialProviderList
from .status import Status
from .token_request import TokenRequest
from .token_response import TokenResponse
from .totp import Totp
from .update_client import UpdateClient
from .update_connection import UpdateConnection
from .update_membership import UpdateMembership
from .update_organization import UpdateOrganization
from .update_organization_metadata_type_0 import UpdateOrganizationMetadataType0
from .update_role import UpdateRole
from .update_user import UpdateUser
from .update_user_metadata_type_0 import UpdateUserMetadataType0
from .update_webhook_endpoint import UpdateWebhookEndpoint
from .user import User
from .user_list import UserList
from .user_metadata import UserMetadata
from .verification_record import VerificationRecord
from .verification_strategy import VerificationStrategy
from .verify_challenge import VerifyChallenge
from .verify_result import VerifyResult
from .webhook_delivery import WebhookDelivery
from .webhook_delivery_list import WebhookDeliveryList
from .webhook_endpoint import WebhookEndpoint
from .webhook_endpoint_list import WebhookEndpointList

__all__ = (
    "AcceptInvitation",
    "Accepted",
    "AcceptedInvitation",
    "AcsForm",
    "ApiKey",
    "ApiKeyList",
    "AttributeMap",
    "AttributePreset",
    "AuthenticateRequest",
    "AuthenticateResponse",
    "AuthenticationChallenge",
    "AuthenticationFactor",
    "Client",
    "ClientList",
    "CodeInput",
    "CodeTicket",
    "Connection",
    "ConnectionList",
    "ConnectionState",
    "ConnectionType",
    "CreateApiKey",
    "CreateClient",
    "CreateConnection",
    "CreateDirectory",
    "CreateInvitation",
    "CreateMembership",
    "CreateOrganization",
    "CreateOrganizationDomain",
    "CreateOrganizationMetadataType0",
    "CreateRole",
    "CreateUser",
    "CreateUserMetadataType0",
    "CreateWebhookEndpoint",
    "Directory",
    "DirectoryGroup",
    "DirectoryGroupList",
    "DirectoryKind",
    "DirectoryList",
    "DirectoryUser",
    "DirectoryUserEmail",
    "DirectoryUserList",
    "DirectoryWithToken",
    "DomainDataInput",
    "DomainDataState",
    "EmailInput",
    "EndpointStatus",
    "EnrollFactor",
    "Enrolled",
    "Error",
    "Event",
    "EventList",
    "EventListMetadata",
    "Explanation",
    "FactorList",
    "FactorType",
    "FieldError",
    "GenerateLink",
    "IdpCertificate",
    "Invitation",
    "InvitationList",
    "InvitationSettings",
    "ListMetadata",
    "ListOrder",
    "Me",
    "MembershipKind",
    "MembershipRef",
    "OidcConfig",
    "OidcInput",
    "Organization",
    "OrganizationDomain",
    "OrganizationList",
    "OrganizationMembership",
    "OrganizationMembershipList",
    "OrganizationMetadata",
    "OrganizationPolicy",
    "PolicyInput",
    "PortalIntent",
    "PortalLink",
    "Profile",
    "ProfileRawAttributes",
    "PutInvitationSettings",
    "PutSocialProvider",
    "ResetInput",
    "RevokeSession",
    "Revoked",
    "Role",
    "RoleList",
    "RoleRef",
    "RuleView",
    "SamlConfig",
    "SamlInput",
    "Session",
    "SessionAuthMethod",
    "SessionList",
    "SetGroupRole",
    "SocialProvider",
    "SocialProviderList",
    "Status",
    "TokenRequest",
    "TokenResponse",
    "Totp",
    "UpdateClient",
    "UpdateConnection",
    "UpdateMembership",
    "UpdateOrganization",
    "UpdateOrganizationMetadataType0",
    "UpdateRole",
    "UpdateUser",
    "UpdateUserMetadataType0",
    "UpdateWebhookEndpoint",
    "User",
    "UserList",
    "UserMetadata",
    "VerificationRecord",
    "VerificationStrategy",
    "VerifyChallenge",
    "VerifyResult",
    "WebhookDelivery",
    "WebhookDeliveryList",
    "WebhookEndpoint",
    "WebhookEndpointList",
)
