"""Contains all the data models used in inputs/outputs"""

from .accepted import Accepted
from .api_key import ApiKey
from .api_key_list import ApiKeyList
from .authenticate_request import AuthenticateRequest
from .authenticate_response import AuthenticateResponse
from .authentication_challenge import AuthenticationChallenge
from .authentication_factor import AuthenticationFactor
from .client import Client
from .client_list import ClientList
from .code_input import CodeInput
from .code_ticket import CodeTicket
from .create_api_key import CreateApiKey
from .create_client import CreateClient
from .create_membership import CreateMembership
from .create_organization import CreateOrganization
from .create_organization_domain import CreateOrganizationDomain
from .create_organization_metadata_type_0 import CreateOrganizationMetadataType0
from .create_role import CreateRole
from .create_user import CreateUser
from .create_user_metadata_type_0 import CreateUserMetadataType0
from .create_webhook_endpoint import CreateWebhookEndpoint
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
from .list_metadata import ListMetadata
from .list_order import ListOrder
from .me import Me
from .membership_kind import MembershipKind
from .membership_ref import MembershipRef
from .organization import Organization
from .organization_domain import OrganizationDomain
from .organization_list import OrganizationList
from .organization_membership import OrganizationMembership
from .organization_membership_list import OrganizationMembershipList
from .organization_metadata import OrganizationMetadata
from .organization_policy import OrganizationPolicy
from .policy_input import PolicyInput
from .reset_input import ResetInput
from .revoke_session import RevokeSession
from .revoked import Revoked
from .role import Role
from .role_list import RoleList
from .role_ref import RoleRef
from .rule_view import RuleView
from .session import Session
from .session_auth_method import SessionAuthMethod
from .session_list import SessionList
from .status import Status
from .totp import Totp
from .update_client import UpdateClient
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
    "Accepted",
    "ApiKey",
    "ApiKeyList",
    "AuthenticateRequest",
    "AuthenticateResponse",
    "AuthenticationChallenge",
    "AuthenticationFactor",
    "Client",
    "ClientList",
    "CodeInput",
    "CodeTicket",
    "CreateApiKey",
    "CreateClient",
    "CreateMembership",
    "CreateOrganization",
    "CreateOrganizationDomain",
    "CreateOrganizationMetadataType0",
    "CreateRole",
    "CreateUser",
    "CreateUserMetadataType0",
    "CreateWebhookEndpoint",
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
    "ListMetadata",
    "ListOrder",
    "Me",
    "MembershipKind",
    "MembershipRef",
    "Organization",
    "OrganizationDomain",
    "OrganizationList",
    "OrganizationMembership",
    "OrganizationMembershipList",
    "OrganizationMetadata",
    "OrganizationPolicy",
    "PolicyInput",
    "ResetInput",
    "RevokeSession",
    "Revoked",
    "Role",
    "RoleList",
    "RoleRef",
    "RuleView",
    "Session",
    "SessionAuthMethod",
    "SessionList",
    "Status",
    "Totp",
    "UpdateClient",
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
